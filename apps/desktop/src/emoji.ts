/** The bundled emoji set: common emoji, grouped (rendered by the system emoji font). */
export const QUICK_REACTIONS: readonly string[] = ['👍', '❤️', '😂', '😮', '😢', '🙏'];

export const EMOJI_GROUPS: readonly { readonly name: string; readonly emoji: readonly string[] }[] = [
  {
    name: 'Smileys',
    emoji: [
      ...'😀😃😄😁😆😅🤣😂🙂🙃😉😊😇🥰😍🤩😘😗😚😙😋😛😜🤪😝🤑🤗🤭🤫🤔🤐🤨😐😑😶😏😒🙄😬😌😔😪🤤😴😷🤒🤕🤢🤮🥵🥶🥴😵🤯🤠🥳😎🤓🧐😕😟🙁😮😯😲😳🥺😦😧😨😰😥😢😭😱😖😣😞😓😩😫🥱😤😡😠🤬',
    ],
  },
  {
    name: 'Gestures',
    emoji: [...'👋🤚🖐✋🖖👌🤌🤏✌🤞🤟🤘🤙👈👉👆👇☝👍👎✊👊🤛🤜👏🙌👐🤲🤝🙏💪'],
  },
  {
    name: 'Hearts',
    emoji: [
      '❤️',
      '🧡',
      '💛',
      '💚',
      '💙',
      '💜',
      '🖤',
      '🤍',
      '🤎',
      '💔',
      '💕',
      '💞',
      '💓',
      '💗',
      '💖',
      '💘',
      '💝',
    ],
  },
  {
    name: 'Things',
    emoji: [...'🎉🎊🎁🎂🍰☕🍵🍺🍷🍕🍔🍟🌮🍣🍎🍓🌹🌻🌈☀🌙⭐🔥💧⚡❄🎵🎶📷💡📌📎✅❌⚠💯🚀✈🏠⏰📅'],
  },
];
