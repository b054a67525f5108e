"""Pure-Python ML-KEM-768, written from FIPS 203 (August 2024) for the independent
vector check. Slow, not constant-time: a test oracle only, never for real keys."""
import hashlib

Q = 3329
N = 256
K = 3
ETA1 = 2
ETA2 = 2
DU = 10
DV = 4


def _bitrev7(i):
    return int(format(i, '07b')[::-1], 2)


ZETAS = [pow(17, _bitrev7(i), Q) for i in range(128)]            # §4.3
GAMMAS = [pow(17, 2 * _bitrev7(i) + 1, Q) for i in range(128)]    # §4.3.1
N_INV = 3303  # 128^-1 mod q


class MLKEMError(Exception):
    pass


# --- hash functions (§4.1) ---
def H(s):
    return hashlib.sha3_256(s).digest()


def J(s):
    return hashlib.shake_256(s).digest(32)


def G(s):
    o = hashlib.sha3_512(s).digest()
    return o[:32], o[32:]


def PRF(eta, s, b):
    return hashlib.shake_256(s + bytes([b])).digest(64 * eta)


# --- encodings (§4.2.1) ---
def byte_encode(F, d):
    m = (1 << d) - 1
    acc = 0
    for i, a in enumerate(F):
        acc |= (a & m) << (d * i)
    return acc.to_bytes(32 * d, 'little')


def byte_decode(B, d):
    assert len(B) == 32 * d
    acc = int.from_bytes(B, 'little')
    m = (1 << d) - 1
    F = [(acc >> (d * i)) & m for i in range(N)]
    if d == 12:
        F = [a % Q for a in F]
    return F


def compress(x, d):
    return (((x << d) + Q // 2) // Q) % (1 << d)


def decompress(y, d):
    return (y * Q + (1 << (d - 1))) >> d


# --- sampling (§4.2.2) ---
def sample_ntt(B):
    n = 840
    while True:
        buf = hashlib.shake_128(B).digest(n)
        a = []
        pos = 0
        while len(a) < N and pos + 3 <= n:
            c0, c1, c2 = buf[pos], buf[pos + 1], buf[pos + 2]
            pos += 3
            d1 = c0 + 256 * (c1 % 16)
            d2 = (c1 // 16) + 16 * c2
            if d1 < Q:
                a.append(d1)
            if d2 < Q and len(a) < N:
                a.append(d2)
        if len(a) == N:
            return a
        n *= 2


def sample_cbd(B, eta):
    assert len(B) == 64 * eta
    bits = int.from_bytes(B, 'little')
    f = []
    for i in range(N):
        x = 0
        y = 0
        for j in range(eta):
            x += (bits >> (2 * i * eta + j)) & 1
            y += (bits >> (2 * i * eta + eta + j)) & 1
        f.append((x - y) % Q)
    return f


# --- NTT (§4.3) ---
def ntt(f):
    f = list(f)
    i = 1
    ln = 128
    while ln >= 2:
        for start in range(0, N, 2 * ln):
            z = ZETAS[i]
            i += 1
            for j in range(start, start + ln):
                t = z * f[j + ln] % Q
                f[j + ln] = (f[j] - t) % Q
                f[j] = (f[j] + t) % Q
        ln //= 2
    return f


def ntt_inv(f):
    f = list(f)
    i = 127
    ln = 2
    while ln <= 128:
        for start in range(0, N, 2 * ln):
            z = ZETAS[i]
            i -= 1
            for j in range(start, start + ln):
                t = f[j]
                f[j] = (t + f[j + ln]) % Q
                f[j + ln] = z * (f[j + ln] - t) % Q
        ln *= 2
    return [a * N_INV % Q for a in f]


def mul_ntt(f, g):
    h = [0] * N
    for i in range(128):
        a0, a1, b0, b1 = f[2 * i], f[2 * i + 1], g[2 * i], g[2 * i + 1]
        h[2 * i] = (a0 * b0 + a1 * b1 * GAMMAS[i]) % Q
        h[2 * i + 1] = (a0 * b1 + a1 * b0) % Q
    return h


def add(f, g):
    return [(a + b) % Q for a, b in zip(f, g)]


def sub(f, g):
    return [(a - b) % Q for a, b in zip(f, g)]


def _matrix(rho):
    # A_hat[i][j] = SampleNTT(rho || j || i)
    return [[sample_ntt(rho + bytes([j, i])) for j in range(K)] for i in range(K)]


# --- K-PKE (§5) ---
def kpke_keygen(d):
    rho, sigma = G(d + bytes([K]))
    A = _matrix(rho)
    n = 0
    s = []
    for _ in range(K):
        s.append(sample_cbd(PRF(ETA1, sigma, n), ETA1))
        n += 1
    e = []
    for _ in range(K):
        e.append(sample_cbd(PRF(ETA1, sigma, n), ETA1))
        n += 1
    sh = [ntt(x) for x in s]
    eh = [ntt(x) for x in e]
    t = []
    for i in range(K):
        acc = eh[i]
        for j in range(K):
            acc = add(acc, mul_ntt(A[i][j], sh[j]))
        t.append(acc)
    ek = b''.join(byte_encode(x, 12) for x in t) + rho
    dk = b''.join(byte_encode(x, 12) for x in sh)
    return ek, dk


def kpke_encrypt(ek, m, r):
    t = [byte_decode(ek[384 * i:384 * (i + 1)], 12) for i in range(K)]
    rho = ek[384 * K:384 * K + 32]
    A = _matrix(rho)
    n = 0
    y = []
    for _ in range(K):
        y.append(sample_cbd(PRF(ETA1, r, n), ETA1))
        n += 1
    e1 = []
    for _ in range(K):
        e1.append(sample_cbd(PRF(ETA2, r, n), ETA2))
        n += 1
    e2 = sample_cbd(PRF(ETA2, r, n), ETA2)
    yh = [ntt(x) for x in y]
    u = []
    for i in range(K):
        acc = [0] * N
        for j in range(K):
            acc = add(acc, mul_ntt(A[j][i], yh[j]))   # A^T
        u.append(add(ntt_inv(acc), e1[i]))
    mu = [decompress(b, 1) for b in byte_decode(m, 1)]
    acc = [0] * N
    for j in range(K):
        acc = add(acc, mul_ntt(t[j], yh[j]))
    v = add(add(ntt_inv(acc), e2), mu)
    c1 = b''.join(byte_encode([compress(a, DU) for a in x], DU) for x in u)
    c2 = byte_encode([compress(a, DV) for a in v], DV)
    return c1 + c2


def kpke_decrypt(dk, c):
    c1 = c[:32 * DU * K]
    c2 = c[32 * DU * K:]
    u = [[decompress(a, DU) for a in byte_decode(c1[32 * DU * i:32 * DU * (i + 1)], DU)] for i in range(K)]
    v = [decompress(a, DV) for a in byte_decode(c2, DV)]
    sh = [byte_decode(dk[384 * i:384 * (i + 1)], 12) for i in range(K)]
    acc = [0] * N
    for i in range(K):
        acc = add(acc, mul_ntt(sh[i], ntt(u[i])))
    w = sub(v, ntt_inv(acc))
    return byte_encode([compress(a, 1) for a in w], 1)


# --- ML-KEM (§6, §7) ---
EK_LEN = 384 * K + 32          # 1184
DK_LEN = 768 * K + 96          # 2400
CT_LEN = 32 * (DU * K + DV)    # 1088


def keygen_internal(d, z):
    ek, dk_pke = kpke_keygen(d)
    return ek, dk_pke + ek + H(ek) + z


def keygen_seed(seed):
    if len(seed) != 64:
        raise MLKEMError('bad-key-length')
    return keygen_internal(seed[:32], seed[32:])


def check_ek(ek):
    if len(ek) != EK_LEN:
        raise MLKEMError('bad-key-length')
    # §7.2 modulus check
    for i in range(K):
        chunk = ek[384 * i:384 * (i + 1)]
        if byte_encode(byte_decode(chunk, 12), 12) != chunk:
            raise MLKEMError('invalid-key')


def check_dk(dk):
    if len(dk) != DK_LEN:
        raise MLKEMError('bad-key-length')
    # §7.3 hash check
    if H(dk[384 * K:768 * K + 32]) != dk[768 * K + 32:768 * K + 64]:
        raise MLKEMError('invalid-key')


def encaps_internal(ek, m):
    check_ek(ek)
    if len(m) != 32:
        raise MLKEMError('bad-key-length')
    Kk, r = G(m + H(ek))
    c = kpke_encrypt(ek, m, r)
    return c, Kk


def decaps(dk, c):
    check_dk(dk)
    if len(c) != CT_LEN:
        raise MLKEMError('bad-ciphertext-length')
    dk_pke = dk[:384 * K]
    ek_pke = dk[384 * K:768 * K + 32]
    h = dk[768 * K + 32:768 * K + 64]
    z = dk[768 * K + 64:]
    m2 = kpke_decrypt(dk_pke, c)
    K2, r2 = G(m2 + h)
    Kbar = J(z + c)
    c2 = kpke_encrypt(ek_pke, m2, r2)
    return K2 if c2 == c else Kbar
