/**
 * Tokenizers for made models: copied from a tokenizer GGUF, or a built-in byte-level BPE vocabulary.
 *
 * Built-in vocab (`tokenizer.ggml.model = "gpt2"`): ids 0–255 are the 256 bytes in GPT-2's byte-to-unicode
 * spelling (printable Latin-1 bytes stand for themselves, the other 68 map to U+0100… in byte order; from GPT-2's
 * `bytes_to_unicode`, which llama.cpp's unicode_byte_to_utf8 mirrors), then `<|endoftext|>` (BOS/EOS),
 * `<|im_start|>`, `<|im_end|>` as control tokens and a ChatML chat template. With no merges, every byte of text is
 * exactly one token, so token counts are simply UTF-8 byte counts. A larger `--vocab` adds merge tokens (pairs of
 * printable characters, then pair+character) so the embedding and output matrices take the requested shape.
 */
import { UsageError } from '../../core/errors.js';
import { type GgufMetadata, type GgufTypedValue } from '../../gguf/format.js';
import { GgufFormatError, readGgufHeaderFile, typedMetadata } from '../../gguf/reader.js';

/** llama_token_type (include/llama.h): 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte. */
export const TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6 } as const;

export interface Vocab {
  /** Where it came from: "built-in byte-level" or the source file path. */
  source: string;
  size: number;
  /** The `tokenizer.*` keys to write, in order. */
  metadata: GgufMetadata;
  /**
   * Tokens a random model must not generate (suppress.ts): end-of-generation, control and unused tokens, and tokens
   * that are not valid UTF-8 on their own.
   */
  suppressed: Set<number>;
  hasChatTemplate: boolean;
}

/** GPT-2's byte → unicode character table. */
export function byteLevelAlphabet(): string[] {
  const direct = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const out: string[] = [];
  let extra = 0;
  for (let b = 0; b < 256; b++) out.push(String.fromCodePoint(direct(b) ? b : 256 + extra++));
  return out;
}

export const BUILTIN_SPECIALS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] as const;
export const BUILTIN_BASE_SIZE = 256 + BUILTIN_SPECIALS.length;

/** ChatML, the format node-llama-cpp and llama.cpp both recognise from the template text. */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** The merge tokens that extend the built-in vocab: printable pairs first, then pair + printable character. */
function mergeTokens(count: number, alphabet: string[]): Array<{ left: string; right: string }> {
  // Printable ASCII in byte-level spelling: 'Ġ' is the space, then '!'..'~'.
  const printable = [alphabet[0x20]!, ...alphabet.slice(0x21, 0x7f)];
  const out: Array<{ left: string; right: string }> = [];
  const pairs: string[] = [];
  for (const x of printable) {
    for (const y of printable) {
      if (out.length === count) return out;
      out.push({ left: x, right: y });
      pairs.push(x + y);
    }
  }
  for (const p of pairs) {
    for (const z of printable) {
      if (out.length === count) return out;
      out.push({ left: p, right: z });
    }
  }
  if (out.length < count) throw new RangeError(`the built-in vocab has at most ${out.length + BUILTIN_BASE_SIZE} tokens`);
  return out;
}

export const BUILTIN_MAX_SIZE = BUILTIN_BASE_SIZE + 95 * 95 + 95 * 95 * 95;

export function builtinVocab(size: number = BUILTIN_BASE_SIZE): Vocab {
  if (!Number.isInteger(size) || size < BUILTIN_BASE_SIZE || size > BUILTIN_MAX_SIZE) {
    throw new UsageError([{ where: '--vocab', message: `the built-in byte-level vocab takes ${BUILTIN_BASE_SIZE} to ${BUILTIN_MAX_SIZE} tokens (got ${size})`, hint: 'choose --vocab in that range, or copy a real tokenizer with --vocab-from FILE.gguf' }]);
  }
  const alphabet = byteLevelAlphabet();
  const merges = mergeTokens(size - BUILTIN_BASE_SIZE, alphabet);
  const tokens = [...alphabet, ...BUILTIN_SPECIALS, ...merges.map((m) => m.left + m.right)];
  const types = new Int32Array(size).fill(TOKEN_TYPE.normal);
  for (let i = 0; i < BUILTIN_SPECIALS.length; i++) types[256 + i] = TOKEN_TYPE.control;
  const eos = 256;
  const metadata: Array<[string, GgufTypedValue]> = [
    ['tokenizer.ggml.model', { type: 'string', value: 'gpt2' }],
    ['tokenizer.ggml.pre', { type: 'string', value: 'gpt-2' }],
    ['tokenizer.ggml.tokens', { type: 'array', itemType: 'string', values: tokens }],
    ['tokenizer.ggml.token_type', { type: 'array', itemType: 'int32', values: types }],
    ['tokenizer.ggml.merges', { type: 'array', itemType: 'string', values: merges.map((m) => `${m.left} ${m.right}`) }],
    ['tokenizer.ggml.bos_token_id', { type: 'uint32', value: eos }],
    ['tokenizer.ggml.eos_token_id', { type: 'uint32', value: eos }],
    ['tokenizer.ggml.add_bos_token', { type: 'bool', value: false }],
    ['tokenizer.ggml.add_eos_token', { type: 'bool', value: false }],
    ['tokenizer.chat_template', { type: 'string', value: CHATML_TEMPLATE }],
  ];
  // Only printable ASCII, tab and newline are generated: the output is always valid UTF-8 and readable as text.
  const suppressed = new Set<number>([256, 257, 258]);
  for (let b = 0; b < 256; b++) if (!((b >= 0x20 && b < 0x7f) || b === 0x09 || b === 0x0a)) suppressed.add(b);
  return { source: 'built-in byte-level', size, metadata, suppressed, hasChatTemplate: true };
}

/**
 * End-of-generation token texts llama.cpp recognises by name (src/llama-vocab.cpp, the special_eog_ids scan in
 * llama_vocab::impl::load, v0.4.0), the common subset.
 */
const EOG_TEXTS = new Set(['<|eot_id|>', '<|im_end|>', '<|end|>', '<end_of_turn>', '<|endoftext|>', '</s>', '<|eom_id|>', '<EOT>', '<|end_of_text|>', '<eos>']);

const FATAL_UTF8 = new TextDecoder('utf-8', { fatal: true });

function validUtf8(bytes: Uint8Array): boolean {
  try {
    FATAL_UTF8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether a token's bytes are not valid UTF-8 by themselves. SPM vocabs (`llama`) spell raw bytes as byte-type
 * tokens `<0xNN>`; byte-level BPE vocabs (`gpt2`) spell every byte as one character of GPT-2's alphabet.
 */
function invalidUtf8Test(model: string): (text: string, type: number | undefined) => boolean {
  if (model === 'llama') {
    return (text, type) => type === TOKEN_TYPE.byte && /^<0x[89A-Fa-f][0-9A-Fa-f]>$/.test(text);
  }
  if (model === 'gpt2') {
    const byteOf = new Map(byteLevelAlphabet().map((ch, b) => [ch, b]));
    return (text) => {
      const bytes: number[] = [];
      for (const ch of text) {
        const b = byteOf.get(ch);
        if (b === undefined) return false; // not byte-level spelled (an added token): its text is what it is
        bytes.push(b);
      }
      return !validUtf8(Uint8Array.from(bytes));
    };
  }
  return () => false;
}

/** Copies every `tokenizer.*` key from a tokenizer (or model) GGUF. */
export function vocabFromGguf(path: string): Vocab {
  let kvs;
  try {
    kvs = typedMetadata(readGgufHeaderFile(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : e instanceof GgufFormatError ? e.message : (e as Error).message;
    throw new UsageError([{ where: '--vocab-from', message: `cannot read ${path}: ${why}`, hint: 'give a GGUF file with tokenizer.* keys, e.g. a llama.cpp ggml-vocab-*.gguf' }]);
  }
  const metadata = kvs.filter(([k]) => k.startsWith('tokenizer.'));
  const get = (k: string) => metadata.find(([key]) => key === k)?.[1];
  const tokens = get('tokenizer.ggml.tokens');
  const model = get('tokenizer.ggml.model');
  if (!tokens || tokens.type !== 'array' || tokens.itemType !== 'string' || !model) {
    throw new UsageError([{ where: '--vocab-from', message: `${path} has no tokenizer (tokenizer.ggml.model and tokenizer.ggml.tokens are missing)`, hint: 'give a GGUF file with tokenizer.* keys, e.g. a llama.cpp ggml-vocab-*.gguf' }]);
  }
  const texts = tokens.values as ArrayLike<string>;
  const typesValue = get('tokenizer.ggml.token_type');
  const types = typesValue && typesValue.type === 'array' ? (typesValue.values as ArrayLike<number>) : undefined;
  const suppressed = new Set<number>();
  const notUtf8 = invalidUtf8Test(model.type === 'string' ? model.value : '');
  for (let i = 0; i < texts.length; i++) {
    const type = types?.[i];
    if (type === TOKEN_TYPE.control || type === TOKEN_TYPE.unused || EOG_TEXTS.has(texts[i]!) || notUtf8(texts[i]!, type)) suppressed.add(i);
  }
  for (const k of ['eos', 'eot', 'eom']) {
    const v = get(`tokenizer.ggml.${k}_token_id`);
    if (v && v.type !== 'array' && typeof v.value === 'number' && v.value < texts.length) suppressed.add(v.value);
  }
  return { source: path, size: texts.length, metadata, suppressed, hasChatTemplate: get('tokenizer.chat_template') !== undefined };
}
