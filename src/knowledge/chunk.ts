/**
 * Splitting a document into chunks for embedding: paragraph- and sentence-aware, sized in words,
 * with an overlap so context that straddles a boundary appears whole in one chunk.
 */

export interface ChunkOptions {
  /** Words per chunk at most (> 0). Default 200. */
  size?: number;
  /** Words of the previous chunk repeated at the start of the next (0 ≤ overlap < size). Default 40. */
  overlap?: number;
}

export const DEFAULT_CHUNKING = { size: 200, overlap: 40 } as const;

/** Paragraphs (blank-line separated), each a list of sentences, each a list of words. */
function sentencesOf(text: string): { words: string[]; paragraphStart: boolean }[] {
  const out: { words: string[]; paragraphStart: boolean }[] = [];
  for (const paragraph of text.split(/\n\s*\n/)) {
    // A sentence ends at . ! ? (and closing quotes or brackets) followed by whitespace.
    const sentences = paragraph.split(/(?<=[.!?]["')\]]?)\s+/);
    let first = true;
    for (const sentence of sentences) {
      const words = sentence.split(/\s+/).filter((w) => w !== '');
      if (words.length === 0) continue;
      out.push({ words, paragraphStart: first });
      first = false;
    }
  }
  return out;
}

/**
 * Splits text into chunks of at most `size` words. Whole sentences are packed into a chunk while
 * they fit; a chunk that is at least half full ends where a paragraph ends; a sentence longer than
 * `size` is cut into windows of `size` words. Each chunk after the first starts with the last
 * whole sentences of the previous one that fit in `overlap` words (or its last `overlap` words,
 * when no whole sentence fits). Whitespace is normalised to single spaces; empty text gives no
 * chunks.
 *
 * @example
 * chunkText(document, { size: 120, overlap: 20 }).forEach((content, position) => …);
 */
export function chunkText(text: string, options: ChunkOptions = {}): string[] {
  const size = options.size ?? DEFAULT_CHUNKING.size;
  const overlap = options.overlap ?? DEFAULT_CHUNKING.overlap;
  if (!Number.isInteger(size) || size <= 0)
    throw new RangeError(`chunkText: size must be a positive integer (got ${size})`);
  if (!Number.isInteger(overlap) || overlap < 0 || overlap >= size) {
    throw new RangeError(`chunkText: overlap must be an integer in [0, size) (got ${overlap} for size ${size})`);
  }
  const chunks: string[][] = [];
  // The current chunk, as sentences (word lists), and its word count.
  let current: string[][] = [];
  let count = 0;
  const close = () => {
    if (count === 0) return;
    chunks.push(current.flat());
    // Carry the trailing whole sentences that fit in `overlap` words into the next chunk.
    const carried: string[][] = [];
    let carriedWords = 0;
    for (let i = current.length - 1; i >= 0; i--) {
      const n = (current[i] as string[]).length;
      if (carriedWords + n > overlap) break;
      carried.unshift(current[i] as string[]);
      carriedWords += n;
    }
    if (carried.length === 0 && overlap > 0) {
      const words = current.flat();
      carried.push(words.slice(Math.max(0, words.length - overlap)));
      carriedWords = (carried[0] as string[]).length;
    }
    current = carried;
    count = carriedWords;
  };
  /** Whether the current chunk holds anything beyond what was carried over. */
  let fresh = false;
  for (const sentence of sentencesOf(text)) {
    if (sentence.paragraphStart && fresh && count >= size / 2) {
      close();
      fresh = false;
    }
    if (sentence.words.length > size) {
      // A sentence longer than a chunk: windows of `size` words, `size - overlap` apart.
      if (fresh) {
        close();
        fresh = false;
      }
      current = [];
      count = 0;
      const words = sentence.words;
      for (let start = 0; start < words.length; start += size - overlap) {
        chunks.push(words.slice(start, start + size));
        if (start + size >= words.length) {
          current = overlap > 0 ? [words.slice(Math.max(0, words.length - overlap))] : [];
          count = overlap > 0 ? (current[0] as string[]).length : 0;
          break;
        }
      }
      continue;
    }
    if (count + sentence.words.length > size) {
      close();
      fresh = false;
      // The carried overlap plus this sentence may still not fit: drop the overlap.
      if (count + sentence.words.length > size) {
        current = [];
        count = 0;
      }
    }
    current.push(sentence.words);
    count += sentence.words.length;
    fresh = true;
  }
  if (fresh) chunks.push(current.flat());
  return chunks.map((words) => words.join(' '));
}
