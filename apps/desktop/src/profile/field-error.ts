/** The props that tie a form field to the message saying what is wrong with it (WCAG 3.3.1). */
export function errorProps(
  error: string | null | undefined,
  id: string,
): { 'aria-invalid'?: true; 'aria-describedby'?: string } {
  return error ? { 'aria-invalid': true, 'aria-describedby': id } : {};
}
