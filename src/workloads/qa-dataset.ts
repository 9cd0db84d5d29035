/**
 * A question/answer evaluation set as a Workload: items in file order, optional worked examples, natural
 * output lengths capped at max_tokens, and a scorer for the runner to call on each finished request.
 * GSM8K (gsm8k.ts) and generic JSONL (jsonl-dataset.ts) differ only in how they load items and score them.
 */
import { UsageError } from '../core/errors.js';
import { type Score } from './answers/extract.js';
import { itemIndex, type PromptItem, type Workload, type WorkloadContext } from './workload.js';
import { chatPrompt, completionPrompt, describeTemplate, scoredText, type Example, type PromptTemplate, type TemplateStyle } from './prompt-template.js';

export interface QaItem extends Example {
  /** 1-based line in its file. */
  line: number;
  /** What the output is compared with (canonical number for numeric scoring); null when the item has none. */
  gold: string | null;
}

export interface QaDatasetConfig {
  /** 'gsm8k' | 'jsonl' (recorded in meta.dataset). */
  dataset: string;
  path: string;
  /** First N items (after worked examples are taken out); null = all. */
  limit: number | null;
  shots: number;
  /** Worked examples come from this file; null = the first `shots` items of `path`, which are then not scored. */
  shotsPath: string | null;
  maxTokens: number;
  template: PromptTemplate;
  /** Recorded in describe(): 'number' | 'exact'. */
  scoring: string;
  /** Loads a file's items; `flag` names the option that gave the path (for error messages). */
  load(path: string, flag: string): Promise<QaItem[]>;
  score(output: string, gold: string | null): Score;
  /** Extra facts for describe() (field names, extraction rules). */
  extra?: Record<string, unknown>;
}

export class QaDatasetWorkload implements Workload {
  private items: QaItem[] | null = null;
  private shotItems: QaItem[] = [];
  private style: TemplateStyle | null = null;

  constructor(readonly config: QaDatasetConfig) {}

  describe(): Record<string, unknown> {
    const c = this.config;
    return {
      kind: 'dataset',
      dataset: c.dataset,
      path: c.path,
      items: this.items?.length ?? null,
      limit: c.limit,
      shots: c.shots,
      shots_from: c.shots === 0 ? null : c.shotsPath ?? `first ${c.shots} items of ${c.path} (not scored)`,
      max_tokens: c.maxTokens,
      output_length: 'natural (capped at max_tokens)',
      scoring: c.scoring,
      template: describeTemplate(c.template, this.style),
      ...c.extra,
    };
  }

  async prepare(ctx: WorkloadContext): Promise<void> {
    const c = this.config;
    this.style = ctx.api === 'chat' ? 'chat' : 'completion';
    let items = await c.load(c.path, '--dataset-path');
    if (c.shots > 0) {
      if (c.shotsPath) {
        const pool = await c.load(c.shotsPath, '--shots-path');
        if (pool.length < c.shots) throw new UsageError([{ where: '--shots', message: `${c.shotsPath} has ${pool.length} items, fewer than --shots ${c.shots}`, hint: 'lower --shots or give a longer --shots-path' }]);
        this.shotItems = pool.slice(0, c.shots);
      } else {
        if (items.length <= c.shots) throw new UsageError([{ where: '--shots', message: `${c.path} has ${items.length} items; taking ${c.shots} as worked examples leaves none to score`, hint: 'lower --shots or give the examples with --shots-path' }]);
        this.shotItems = items.slice(0, c.shots);
        items = items.slice(c.shots);
      }
    }
    if (c.limit !== null) items = items.slice(0, c.limit);
    this.items = items;
  }

  size(): number | null {
    return this.items?.length ?? null;
  }

  /** Item `index` of the dataset (wrapping around when more requests than items are asked for). */
  async item(_repeat: number, index: number): Promise<PromptItem> {
    if (!this.items) throw new Error('QaDatasetWorkload.item() called before prepare()');
    const n = this.items.length;
    const it = this.items[itemIndex(index, n)]!;
    const base = {
      input_tokens: null,
      input_tokens_source: null,
      output_tokens: this.config.maxTokens,
      force_length: false,
      meta: { dataset: this.config.dataset, item: it.line, gold: it.gold },
    } satisfies PromptItem;
    return this.style === 'chat'
      ? { ...base, messages: chatPrompt(this.config.template, it.question, this.shotItems) }
      : { ...base, prompt: completionPrompt(this.config.template, it.question, this.shotItems) };
  }

  score(item: PromptItem, outputText: string): Score {
    const gold = typeof item.meta?.gold === 'string' ? item.meta.gold : null;
    return this.config.score(scoredText(this.config.template, this.style, outputText), gold);
  }
}
