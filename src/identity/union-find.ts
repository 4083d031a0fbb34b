/** Disjoint sets over `0 … size − 1`, with path halving and union by size. @internal */
export class UnionFind {
  private readonly parent: Uint32Array;
  private readonly size: Uint32Array;

  constructor(count: number) {
    this.parent = new Uint32Array(count);
    this.size = new Uint32Array(count).fill(1);
    for (let index = 0; index < count; index++) this.parent[index] = index;
  }

  find(element: number): number {
    let current = element;
    while (this.parent[current] !== current) {
      const grandparent = this.parent[this.parent[current] as number] as number;
      this.parent[current] = grandparent;
      current = grandparent;
    }
    return current;
  }

  /** Joins the sets of `a` and `b`; false when they were already one. */
  union(a: number, b: number): boolean {
    let rootA = this.find(a);
    let rootB = this.find(b);
    if (rootA === rootB) return false;
    if ((this.size[rootA] as number) < (this.size[rootB] as number)) [rootA, rootB] = [rootB, rootA];
    this.parent[rootB] = rootA;
    this.size[rootA] = (this.size[rootA] as number) + (this.size[rootB] as number);
    return true;
  }

  /** Every set with at least `minimumSize` members, members ascending. */
  groups(minimumSize = 2): number[][] {
    const byRoot = new Map<number, number[]>();
    for (let element = 0; element < this.parent.length; element++) {
      const root = this.find(element);
      if ((this.size[root] as number) < minimumSize) continue;
      let members = byRoot.get(root);
      if (!members) byRoot.set(root, (members = []));
      members.push(element);
    }
    return [...byRoot.values()];
  }
}
