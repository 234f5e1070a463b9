interface Frame {
  /** The key this object sits under in its parent (null at the top or inside an array). */
  name: string | null;
  keys: Set<string>;
  expectKey: boolean;
  /** The last key read, which names the object or array that follows it. */
  lastKey: string | null;
}

/**
 * The first key that appears twice in one object of `text`, with the key of that object
 * (null for the top level), or null if every object's keys are distinct. JSON.parse keeps
 * the last of two equal keys without a word, which would let a file say two things about
 * one tensor; this scan finds them. `text` must already be known to be valid JSON.
 */
export function findDuplicateKey(text: string): { key: string; parent: string | null } | null {
  // Arrays are `null` frames: their strings are values, never keys.
  const stack: (Frame | null)[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const top = stack.length ? stack[stack.length - 1] : null;
    if (c === "{") {
      stack.push({ name: top ? top.lastKey : null, keys: new Set(), expectKey: true, lastKey: null });
    } else if (c === "[") {
      stack.push(null);
    } else if (c === "}" || c === "]") {
      stack.pop();
    } else if (c === ",") {
      if (top) top.expectKey = true;
    } else if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      if (top?.expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.keys.has(key)) return { key, parent: top.name };
        top.keys.add(key);
        top.expectKey = false;
        top.lastKey = key;
      }
      i = j;
    }
  }
  return null;
}
