// Turning text into what a synthesiser can say: is there anything to say, and where sentences end.

/** True when `text` has something to pronounce (a letter or a digit in any script). */
export function isSpeakable(text: string): boolean {
  return /[\p{L}\p{N}]/u.test(text);
}

/** Control characters out, runs of whitespace to one space. */
export function cleanSpeechText(text: string): string {
  return text
    .replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Sentences (and, for long ones, clauses) to synthesise one at a time, so the first audio is ready
 * before the whole text is. Pieces without anything to say are dropped.
 */
export function splitSentences(text: string, maxChars = 240): string[] {
  const out: string[] = [];
  for (const line of text.split(/\n+/)) {
    for (const sentence of cleanSpeechText(line).split(/(?<=[.!?;。！？])\s+/)) {
      let rest = sentence.trim();
      while (rest.length > maxChars) {
        // Cut a long sentence at the last comma (else space) before maxChars.
        const window = rest.slice(0, maxChars);
        let cut = Math.max(window.lastIndexOf(', '), window.lastIndexOf('; '));
        if (cut < maxChars / 3) cut = window.lastIndexOf(' ');
        if (cut <= 0) cut = maxChars;
        out.push(rest.slice(0, cut + 1).trim());
        rest = rest.slice(cut + 1).trim();
      }
      if (rest) out.push(rest);
    }
  }
  return out.filter(isSpeakable);
}

/**
 * The pieces a synthesiser is called with: the first sentence alone (the first audio comes after
 * one sentence's work), cut at its first clause when it is longer than `firstClauseChars` (a
 * voice reply starts ~2x sooner after "I have no window," than after the whole sentence, and
 * the comma's pause hides the seam), then the following text grouped up to `groupChars`
 * characters (each call has a fixed cost, e.g. a new flite instance).
 */
export function synthesisPieces(text: string, groupChars = 300, firstClauseChars = 40): string[] {
  const sentences = splitSentences(text);
  const out = sentences.slice(0, 1);
  const first = out[0];
  if (first !== undefined && first.length > firstClauseChars) {
    // The first clause break with a few words on both sides.
    const match = /[,;:](?=\s)/g;
    for (let m = match.exec(first); m; m = match.exec(first)) {
      if (m.index < 8) continue;
      const rest = first.slice(m.index + 1).trim();
      if (rest.length >= 8 && isSpeakable(rest)) out.splice(0, 1, first.slice(0, m.index + 1), rest);
      break;
    }
  }
  for (const s of sentences.slice(1)) {
    const last = out.length > 1 ? out[out.length - 1] : undefined;
    if (last !== undefined && last.length + 1 + s.length <= groupChars) out[out.length - 1] = `${last} ${s}`;
    else out.push(s);
  }
  return out;
}
