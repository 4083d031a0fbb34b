import { describe, expect, it } from 'vitest';
import { isAbortedError } from 'social-crm';
import { failure } from '../helpers/outcomes.js';
import { estimateByEm, linkRecords, type FellegiSunterModel, type LinkProgress, type LinkRecord, type LinkRecordsOptions } from 'social-crm/identity';

const FIRST = ['ayse', 'mehmet', 'john', 'emma', 'zeynep', 'ali', 'oliver', 'elif', 'mustafa', 'sophie', 'can', 'fatma', 'james', 'merve', 'lucas'];
const LAST = ['yilmaz', 'kaya', 'smith', 'demir', 'brown', 'sahin', 'taylor', 'celik', 'wilson', 'aydin', 'davies', 'ozturk', 'evans', 'arslan'];

/** Deterministic generator of people with one noisy duplicate each for a share of them. */
function people(count: number, seed = 7) {
  let state = seed;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)] as T;
  const typo = (text: string) => {
    const at = 1 + Math.floor(random() * (text.length - 1));
    return text.slice(0, at) + text.slice(at + 1);
  };
  const records: LinkRecord[] = [];
  const entityOf = new Map<string, number>();
  for (let person = 0; person < count; person++) {
    const given = pick(FIRST);
    const surname = pick(LAST);
    const dob = `19${50 + Math.floor(random() * 50)}${String(1 + Math.floor(random() * 12)).padStart(2, '0')}${String(1 + Math.floor(random() * 28)).padStart(2, '0')}`;
    const city = pick(['istanbul', 'ankara', 'london', 'leeds', 'izmir', 'bristol']);
    records.push({ id: `p${person}-a`, source: 'a', fields: { given, surname, dob, city } });
    entityOf.set(`p${person}-a`, person);
    if (person % 3 !== 2) {
      const noisy = { given: random() < 0.3 ? typo(given) : given, surname: random() < 0.3 ? typo(surname) : surname, dob: random() < 0.2 ? `${dob.slice(0, 7)}${(Number(dob[7]) + 1) % 10}` : dob, city };
      records.push({ id: `p${person}-b`, source: 'b', fields: noisy });
      entityOf.set(`p${person}-b`, person);
    }
  }
  return { records, entityOf };
}

const options: LinkRecordsOptions = {
  comparisons: [
    { type: 'name', field: 'given', termFrequency: true },
    { type: 'name', field: 'surname', termFrequency: true },
    { type: 'date', field: 'dob' },
    { type: 'exact', field: 'city' },
  ],
  blocking: [['given:soundex', 'surname:soundex'], ['dob'], ['surname:prefix2', 'city']],
};

describe('linkRecords', () => {
  it('finds duplicates without labels (EM) with high precision and recall', () => {
    const { records, entityOf } = people(600);
    const result = linkRecords(records, { ...options, linkType: 'dedupe' });
    const correct = result.matches.filter((pair) => entityOf.get(pair.a) === entityOf.get(pair.b)).length;
    const truth = 400;
    expect(correct / result.matches.length).toBeGreaterThan(0.97);
    expect(correct / truth).toBeGreaterThan(0.9);
    expect(result.stats.emConverged).toBe(true);
    expect(result.stats.pairsCompared).toBeLessThan((records.length * records.length) / 20);
    // EM learned that agreement on the date of birth is strong evidence.
    const dob = result.model.comparisons.find((comparison) => comparison.name === 'dob')!;
    expect(dob.m[0]! / dob.u[0]!).toBeGreaterThan(20);
  });

  it('links only across sources and one-to-one when asked', () => {
    const { records } = people(300);
    const result = linkRecords(records, { ...options, oneToOne: true });
    const seen = new Set<string>();
    for (const pair of result.matches) {
      expect(pair.a.slice(-1)).not.toBe(pair.b.slice(-1));
      expect(seen.has(pair.a) || seen.has(pair.b)).toBe(false);
      seen.add(pair.a);
      seen.add(pair.b);
    }
    expect(result.clusters.every((cluster) => cluster.length === 2)).toBe(true);
  });

  it('counts two neighbouring characters typed in the wrong order as one edit', () => {
    const model: FellegiSunterModel = {
      lambda: 0.1,
      comparisons: [{ name: 'year', m: [0.8, 0.15, 0.05], u: [0.02, 0.1, 0.88] }],
    };
    const records: LinkRecord[] = [
      { id: 'typed', fields: { year: '1983', team: 'x' } },
      { id: 'swapped', fields: { year: '1893', team: 'x' } },
      { id: 'other', fields: { year: '1947', team: 'x' } },
    ];
    const result = linkRecords(records, {
      comparisons: [{ type: 'string', field: 'year', method: 'levenshtein', thresholds: [1] }],
      blocking: [['team']],
      model,
      matchThreshold: 0.99,
      reviewThreshold: 0,
    });
    const weightOf = (a: string, b: string) => result.reviews.find((pair) => [pair.a, pair.b].sort().join() === [a, b].sort().join())?.weight;
    // The prior weight is the same for both pairs; the level weights tell them apart.
    expect(weightOf('typed', 'swapped')! - weightOf('typed', 'other')!).toBeCloseTo(Math.log2(0.15 / 0.1) - Math.log2(0.05 / 0.88), 6);
  });

  it('clusters transitively with union-find', () => {
    const records: LinkRecord[] = ['a', 'b', 'c'].map((id) => ({ id, fields: { email: 'same@example.com' } }));
    records.push({ id: 'd', fields: { email: 'other@example.com' } });
    const model: FellegiSunterModel = { lambda: 0.5, comparisons: [{ name: 'email', m: [0.95, 0.03, 0.02], u: [0.001, 0.01, 0.989] }] };
    const result = linkRecords(records, { comparisons: [{ type: 'email', field: 'email' }], blocking: [['email:email']], model });
    expect(result.clusters).toEqual([['a', 'b', 'c']]);
    expect(result.stats.emIterations).toBe(0);
    expect(result.matches).toHaveLength(3);
  });

  it('never joins clusters whose strong identifiers differ (cannotLink)', () => {
    const records: LinkRecord[] = [
      { id: 'a', fields: { name: 'Ayşe Yılmaz', email: 'ayse@example.com' } },
      { id: 'b', fields: { name: 'AYSE YILMAZ' } },
      { id: 'c', fields: { name: 'Ayse Yilmaz', email: 'ayse.y@example.org' } },
    ];
    const model: FellegiSunterModel = {
      lambda: 0.5,
      comparisons: [
        { name: 'name', m: [0.9, 0.02, 0.04, 0.02, 0.02], u: [0.001, 0.01, 0.01, 0.05, 0.929] },
        { name: 'email', m: [0.9, 0.05, 0.05], u: [0.001, 0.01, 0.989] },
      ],
    };
    const spec = { comparisons: [{ type: 'name' as const, field: 'name' }, { type: 'email' as const, field: 'email' }], blocking: [['name:sorted-tokens']], model };
    expect(linkRecords(records, spec).clusters).toEqual([['a', 'b', 'c']]);
    const vetoed = linkRecords(records, { ...spec, cannotLink: ['email'] });
    expect(vetoed.clusters).toHaveLength(1);
    expect(vetoed.clusters[0]).toHaveLength(2);
    expect(vetoed.clusters[0]).toContain('b');
    const vetoedPairs = vetoed.reviews.filter((pair) => pair.vetoed);
    expect(vetoedPairs).toHaveLength(2);
    // Each vetoed pair would have joined the left-out record to the cluster.
    for (const pair of vetoedPairs) expect(vetoed.clusters[0]!.includes(pair.a) && vetoed.clusters[0]!.includes(pair.b)).toBe(false);
  });

  it('links a pair below the match band only when each record is the other\'s best candidate (mutualBestThreshold)', () => {
    const records: LinkRecord[] = [
      { id: 'werner-1', fields: { name: 'Werner Pfeiffer', year: '1956' } },
      { id: 'werner-2', fields: { name: 'Werner Pfeiffer', year: '1975' } },
      { id: 'juergen-1', fields: { name: 'Juergen Mueller', year: '1964' } },
      { id: 'juergen-2', fields: { name: 'Juergen Mueller', year: '1964' } },
      { id: 'juergen-3', fields: { name: 'Juergen Mueller', year: '1990' } },
    ];
    // Same name, other year: 5/6 ≈ 0.83; same name and year: ≈ 0.997.
    const model: FellegiSunterModel = {
      lambda: 0.5,
      comparisons: [
        { name: 'name', m: [0.9, 0.02, 0.04, 0.02, 0.02], u: [0.02, 0.01, 0.01, 0.05, 0.91] },
        { name: 'year', m: [0.9, 0.1], u: [0.1, 0.9] },
      ],
    };
    const spec: LinkRecordsOptions = { comparisons: [{ type: 'name', field: 'name' }, { type: 'exact', field: 'year' }], blocking: [['name:sorted-tokens']], model };
    const sorted = (clusters: string[][]) => clusters.map((cluster) => [...cluster].sort()).sort();
    expect(sorted(linkRecords(records, spec).clusters)).toEqual([['juergen-1', 'juergen-2']]);
    const mutual = linkRecords(records, { ...spec, mutualBestThreshold: 0.8 });
    // juergen-3's best candidates have a stronger partner each, so it stays apart.
    expect(sorted(mutual.clusters)).toEqual([['juergen-1', 'juergen-2'], ['werner-1', 'werner-2']]);
    expect(mutual.matches.find((pair) => pair.a.startsWith('werner'))?.probability).toBeCloseTo(5 / 6, 5);
    expect(mutual.reviews.filter((pair) => pair.a === 'juergen-3' || pair.b === 'juergen-3')).toHaveLength(2);
    // Below the mutual-best threshold the pair is only reviewed.
    expect(sorted(linkRecords(records, { ...spec, mutualBestThreshold: 0.85 }).clusters)).toEqual([['juergen-1', 'juergen-2']]);
  });

  it('keeps one record per source in a cluster when asked (onePerSource)', () => {
    const records: LinkRecord[] = [
      { id: 'x-1', source: 'x', fields: { name: 'Ayşe Yılmaz' } },
      { id: 'x-2', source: 'x', fields: { name: 'AYSE YILMAZ' } },
      { id: 'instagram', source: 'instagram', fields: { name: 'Ayse Yilmaz' } },
      { id: 'whatsapp', source: 'whatsapp', fields: { name: 'Ayşe Yılmaz' } },
    ];
    const model: FellegiSunterModel = {
      lambda: 0.5,
      comparisons: [{ name: 'name', m: [0.9, 0.02, 0.04, 0.02, 0.02], u: [0.001, 0.01, 0.01, 0.05, 0.929] }],
    };
    const spec = { comparisons: [{ type: 'name' as const, field: 'name' }], blocking: [['name:sorted-tokens']], model, linkType: 'dedupe' as const };
    expect(linkRecords(records, spec).clusters).toEqual([['x-1', 'x-2', 'instagram', 'whatsapp']]);
    const result = linkRecords(records, { ...spec, onePerSource: true });
    expect(result.clusters).toHaveLength(1);
    const cluster = result.clusters[0]!;
    expect(cluster).toHaveLength(3);
    expect(cluster).toEqual(expect.arrayContaining(['instagram', 'whatsapp']));
    expect(cluster.filter((id) => id.startsWith('x-'))).toHaveLength(1);
    // Every pair that would have put both X accounts in one cluster is reported, not linked.
    const vetoed = result.reviews.filter((pair) => pair.vetoed);
    expect(vetoed.length).toBeGreaterThan(0);
    for (const pair of vetoed) expect(cluster.includes(pair.a) && cluster.includes(pair.b)).toBe(false);
  });

  it('rejects malformed options and unknown blocking transforms', () => {
    expect(() => linkRecords([], { comparisons: [], blocking: [['x']] })).toThrowError(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
    expect(() => linkRecords([], { comparisons: [{ type: 'exact', field: 'x' }], blocking: [['x:metaphone']] })).toThrowError(/Unknown blocking transform/);
    expect(() => linkRecords([], { ...options, matchThreshold: 0.5, reviewThreshold: 0.9 })).toThrowError(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
  });

  it('takes records column by column and links them as it links objects', () => {
    const { records } = people(400);
    const fields: Record<string, Array<string | undefined>> = {};
    for (const name of ['given', 'surname', 'dob', 'city']) fields[name] = records.map((record) => record.fields[name]);
    const columns = { fields, ids: records.map((record) => record.id), sources: records.map((record) => record.source) };
    const quick = { ...options, em: { sampleSize: 20_000 } };
    const fromObjects = linkRecords(records, quick);
    const fromColumns = linkRecords(columns, quick);
    expect(fromColumns.clusters).toEqual(fromObjects.clusters);
    expect(fromColumns.matches).toEqual(fromObjects.matches);
    expect(fromColumns.stats.pairsCompared).toBe(fromObjects.stats.pairsCompared);
    expect(fromObjects.clusters.length).toBeGreaterThan(100);
    // Without ids, a record is named by its index.
    const unnamed = linkRecords({ fields, sources: columns.sources }, quick);
    expect(unnamed.clusters).toEqual(fromObjects.clusters.map((cluster) => cluster.map((id) => String(records.findIndex((record) => record.id === id)))));
  });

  it('vetoes on a column that no comparison reads (cannotLink)', () => {
    const model: FellegiSunterModel = { lambda: 0.5, comparisons: [{ name: 'name', m: [0.9, 0.02, 0.04, 0.02, 0.02], u: [0.001, 0.01, 0.01, 0.05, 0.929] }] };
    const spec = { comparisons: [{ type: 'name' as const, field: 'name' }], blocking: [['name:sorted-tokens']], model };
    const columns = { fields: { name: ['Ayşe Yılmaz', 'AYSE YILMAZ', 'Ayse Yilmaz'], taxId: ['111', undefined, '222'] } };
    expect(linkRecords(columns, spec).clusters).toEqual([['0', '1', '2']]);
    const vetoed = linkRecords(columns, { ...spec, cannotLink: ['taxId'] });
    expect(vetoed.clusters).toHaveLength(1);
    expect(vetoed.clusters[0]).toContain('1');
    expect(vetoed.clusters[0]).toHaveLength(2);
    expect(vetoed.reviews.filter((pair) => pair.vetoed)).toHaveLength(2);
  });

  it('rejects columns of different lengths with a typed error', () => {
    const columns = { fields: { given: ['ayse', 'ayse'], surname: ['kaya'], dob: ['19800101', '19800101'], city: ['izmir', 'izmir'] } };
    expect(() => linkRecords(columns, options)).toThrowError(expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringContaining('surname') }));
    expect(() => linkRecords({ fields: { given: ['a'] }, ids: ['x', 'y'] }, options)).toThrowError(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
  });

  it('reports each step with its counts and stops at the next report when aborted', () => {
    const { records } = people(200);
    const seen: LinkProgress[] = [];
    const result = linkRecords(records, { ...options, linkType: 'dedupe', onProgress: (progress) => seen.push(progress) });
    expect(seen.map((progress) => progress.phase)).toEqual(['prepare', 'block', 'block', 'block', 'estimate', 'score', 'cluster']);
    expect(seen[0]).toEqual({ phase: 'prepare', done: records.length, total: records.length });
    expect(seen.at(-2)).toEqual({ phase: 'score', done: result.stats.pairsCompared, total: result.stats.pairsCompared });

    const controller = new AbortController();
    const phases: string[] = [];
    const error = failure(() =>
      linkRecords(records, { ...options, signal: controller.signal, onProgress: (progress) => {
        phases.push(progress.phase);
        if (progress.phase === 'block' && progress.done === 1) controller.abort();
      } }),
    );
    expect(isAbortedError(error)).toBe(true);
    expect(error).toMatchObject({ operation: 'linkRecords()', progress: { phase: 'block', done: 1, total: 3 } });
    expect(phases).toEqual(['prepare', 'block']);
    expect(isAbortedError(failure(() => linkRecords(records, { ...options, signal: AbortSignal.abort() })))).toBe(true);
  });

  it('bounds work in oversized blocks', () => {
    const records: LinkRecord[] = Array.from({ length: 300 }, (_, index) => ({ id: String(index), fields: { city: 'istanbul', name: `person ${index}` } }));
    const result = linkRecords(records, { comparisons: [{ type: 'name', field: 'name' }], blocking: [['city']], maxBlockSize: 10 });
    expect(result.stats.oversizedBlocks).toBe(1);
    expect(result.stats.pairsCompared).toBeLessThanOrEqual(300 * 9);
  });
});

describe('estimateByEm', () => {
  it('recovers known m, u and λ from unlabelled patterns', () => {
    // Two binary comparisons plus a three-level one; counts drawn exactly from the mixture.
    const truth: FellegiSunterModel = {
      lambda: 0.2,
      comparisons: [
        { name: 'a', m: [0.9, 0.1], u: [0.1, 0.9] },
        { name: 'b', m: [0.8, 0.2], u: [0.05, 0.95] },
        { name: 'c', m: [0.7, 0.2, 0.1], u: [0.02, 0.08, 0.9] },
      ],
    };
    const patterns: number[] = [];
    const counts: number[] = [];
    for (let a = 0; a < 2; a++) {
      for (let b = 0; b < 2; b++) {
        for (let c = 0; c < 3; c++) {
          const [ca, cb, cc] = truth.comparisons as [typeof truth.comparisons[0], typeof truth.comparisons[0], typeof truth.comparisons[0]];
          const match = truth.lambda * ca.m[a]! * cb.m[b]! * cc.m[c]!;
          const nonMatch = (1 - truth.lambda) * ca.u[a]! * cb.u[b]! * cc.u[c]!;
          patterns.push(a, b, c);
          counts.push(100_000 * (match + nonMatch));
        }
      }
    }
    const start: FellegiSunterModel = {
      lambda: 0.5,
      comparisons: [
        { name: 'a', m: [0.7, 0.3], u: [0.3, 0.7] },
        { name: 'b', m: [0.7, 0.3], u: [0.3, 0.7] },
        { name: 'c', m: [0.5, 0.3, 0.2], u: [0.2, 0.3, 0.5] },
      ],
    };
    const result = estimateByEm(Int8Array.from(patterns), Float64Array.from(counts), start, { maxIterations: 2000, tolerance: 1e-9 });
    expect(result.model.lambda).toBeCloseTo(0.2, 2);
    expect(result.model.comparisons[2]!.m[0]).toBeCloseTo(0.7, 2);
    expect(result.model.comparisons[1]!.u[0]).toBeCloseTo(0.05, 2);
  });
});
