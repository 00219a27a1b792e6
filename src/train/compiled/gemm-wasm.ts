/**
 * The training step's matrix products as a WebAssembly SIMD128 function (text, compiled with
 * the step's other kernels): C[M,N] = Σ_k A[i·sai + k·sak] · B[k·N + j]. Strided access to A
 * covers both x·W (sai = K, sak = 1) and the weight gradient xᵀ·g (sai = 1, sak = M); g·Wᵀ runs
 * on a transposed copy of W. The register tile is 4 rows × 8 columns (eight f32x4
 * accumulators), with 1-row / 4-column / scalar edges.
 */

type Tile = { rows: number; vecs: number; scalar: boolean };

/** One tile at (i, j): the accumulators live in locals for the whole k loop. */
function tileCode({ rows, vecs, scalar }: Tile): string {
  const ty = scalar ? 'f32' : 'v128';
  // Scalar tiles use their own f32 locals ($facc, $fs, $fbv).
  const p = scalar ? '$f' : '$';
  const lines: string[] = [];
  const acc = (r: number, v: number) => `${p}acc${r}_${v}`;
  for (let r = 0; r < rows; r++) for (let v = 0; v < vecs; v++) lines.push(`(local.set ${acc(r, v)} (${scalar ? 'f32.const 0' : 'v128.const i32x4 0 0 0 0'}))`);
  for (let r = 0; r < rows; r++)
    lines.push(`(local.set $pa${r} (i32.add (local.get $a) (i32.shl (i32.mul (i32.add (local.get $i) (i32.const ${r})) (local.get $sai)) (i32.const 2))))`);
  lines.push(`(local.set $pb (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))))`);
  lines.push(`(local.set $k (i32.const 0))`);
  const body: string[] = [];
  for (let r = 0; r < rows; r++) {
    const load = `(f32.load (local.get $pa${r}))`;
    body.push(`(local.set ${p}s${r} ${scalar ? load : `(f32x4.splat ${load})`})`);
    body.push(`(local.set $pa${r} (i32.add (local.get $pa${r}) (local.get $sak4)))`);
  }
  for (let v = 0; v < vecs; v++) body.push(`(local.set ${p}bv${v} (${ty}.load offset=${16 * v} (local.get $pb)))`);
  for (let r = 0; r < rows; r++)
    for (let v = 0; v < vecs; v++) {
      const [add, mul] = scalar ? ['f32.add', 'f32.mul'] : ['f32x4.add', 'f32x4.mul'];
      body.push(`(local.set ${acc(r, v)} (${add} (local.get ${acc(r, v)}) (${mul} (local.get ${p}s${r}) (local.get ${p}bv${v}))))`);
    }
  body.push(`(local.set $pb (i32.add (local.get $pb) (local.get $n4)))`);
  body.push(`(local.set $k (i32.add (local.get $k) (i32.const 1)))`);
  lines.push(`(block $kdone (loop $kloop (br_if $kdone (i32.ge_u (local.get $k) (local.get $K))) ${body.join(' ')} (br $kloop)))`);
  for (let r = 0; r < rows; r++)
    for (let v = 0; v < vecs; v++)
      lines.push(
        `(${ty}.store offset=${16 * v} (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (i32.add (local.get $i) (i32.const ${r})) (local.get $N)) (local.get $j)) (i32.const 2))) (local.get ${acc(r, v)}))`,
      );
  return lines.join('\n');
}

/** Loops j over the columns of `rows` rows starting at i: 8-wide, 4-wide, then scalar tiles. */
function rowBlock(rows: number): string {
  const colLoop = (width: number, tile: Tile, label: string) =>
    `(block $${label}done (loop $${label} (br_if $${label}done (i32.gt_u (i32.add (local.get $j) (i32.const ${width})) (local.get $N))) ${tileCode(tile)} (local.set $j (i32.add (local.get $j) (i32.const ${width}))) (br $${label})))`;
  return [
    '(local.set $j (i32.const 0))',
    colLoop(8, { rows, vecs: 2, scalar: false }, `c8r${rows}`),
    colLoop(4, { rows, vecs: 1, scalar: false }, `c4r${rows}`),
    colLoop(1, { rows, vecs: 1, scalar: true }, `c1r${rows}`),
  ].join('\n');
}

/** `(func $gemm (param c a b M N K sai sak))`, exported as "gemm". */
export function gemmText(): string {
  const locals = [
    '(local $i i32) (local $j i32) (local $k i32) (local $pb i32) (local $sak4 i32) (local $n4 i32)',
    ...[0, 1, 2, 3].map((r) => `(local $pa${r} i32) (local $s${r} v128)`),
    ...[0, 1, 2, 3].flatMap((r) => [0, 1].map((v) => `(local $acc${r}_${v} v128)`)),
    '(local $bv0 v128) (local $bv1 v128) (local $fbv0 f32)',
    ...[0, 1, 2, 3].map((r) => `(local $fs${r} f32) (local $facc${r}_0 f32)`),
  ];
  const rowLoop = (rows: number, label: string) =>
    `(block $${label}done (loop $${label} (br_if $${label}done (i32.gt_u (i32.add (local.get $i) (i32.const ${rows})) (local.get $M))) ${rowBlock(rows)} (local.set $i (i32.add (local.get $i) (i32.const ${rows}))) (br $${label})))`;
  return `(func $gemm (export "gemm") (param $c i32) (param $a i32) (param $b i32) (param $M i32) (param $N i32) (param $K i32) (param $sai i32) (param $sak i32)
    ${locals.join('\n')}
    (local.set $sak4 (i32.shl (local.get $sak) (i32.const 2)))
    (local.set $n4 (i32.shl (local.get $N) (i32.const 2)))
    (local.set $i (i32.const 0))
    ${rowLoop(4, 'r4')}
    ${rowLoop(1, 'r1')})`;
}
