// GEMM in plain TypeScript: C (M,N) = alpha · op(A) · op(B) + beta · C, row-major, float32 storage.
// Twin of assembly/gemm.ts (gemm_nn, gemm_nt, gemm_tn, transpose); the table in kernels.ts turns
// the contract's byte pointers into the element indices these functions take.
//
// Every argument that locates a matrix is an ELEMENT index into `m` (the whole heap as one
// Float32Array), not a byte pointer. `beta === 0` means C is overwritten without being read, so
// garbage or NaN already in C never leaks through. A, B and C must not overlap.
//
// Loop orders are chosen so that every inner loop walks memory contiguously:
// - nn and tn: i-k-j — for each row of C, add alpha·a_ik times row k of B, four k's per pass so
//   each C element is loaded and stored once per four products;
// - nt: i-j-k — both operands are walked along k, so each C element is a dot product kept in a
//   local (float64) accumulator; four columns of C share each load of A.
// No packing, no SIMD: this is the "pure JS" baseline the WebAssembly kernels are compared with.

/** Prepares row `c..c+N` of C for accumulation: zero when beta = 0, else scaled by beta. */
function startRow(m: Float32Array, c: number, N: number, beta: number): void {
  if (beta === 0) m.fill(0, c, c + N);
  else if (beta !== 1) for (let j = c, end = c + N; j < end; j++) m[j] *= beta;
}

/**
 * Row `c..c+N` of C += s0·B[r0] + s1·B[r1] + s2·B[r2] + s3·B[r3]: four k's of the i-k-j loop at
 * once, so each C element is loaded and stored once per four products.
 */
function addFourRows(
  m: Float32Array,
  c: number,
  N: number,
  s0: number,
  s1: number,
  s2: number,
  s3: number,
  r0: number,
  ldb: number,
): void {
  const r1 = r0 + ldb;
  const r2 = r1 + ldb;
  const r3 = r2 + ldb;
  for (let j = 0; j < N; j++) m[c + j] += s0 * m[r0 + j] + s1 * m[r1 + j] + s2 * m[r2 + j] + s3 * m[r3 + j];
}

/** Row `c..c+N` of C += s·B[r]: one k of the i-k-j loop. */
function addRow(m: Float32Array, c: number, N: number, s: number, r: number): void {
  for (let j = 0; j < N; j++) m[c + j] += s * m[r + j];
}

/**
 * C (M,N) = alpha · A (M,K) · B (K,N) + beta · C.
 * A at element `a` with row stride `lda`, B at `b` stride `ldb`, C at `c` stride `ldc`.
 */
export function gemmNN(
  m: Float32Array,
  M: number,
  N: number,
  K: number,
  alpha: number,
  a: number,
  lda: number,
  b: number,
  ldb: number,
  beta: number,
  c: number,
  ldc: number,
): void {
  for (let i = 0; i < M; i++) {
    const ci = c + i * ldc;
    const ai = a + i * lda;
    startRow(m, ci, N, beta);
    let k = 0;
    for (; k + 4 <= K; k += 4) {
      addFourRows(
        m,
        ci,
        N,
        alpha * m[ai + k],
        alpha * m[ai + k + 1],
        alpha * m[ai + k + 2],
        alpha * m[ai + k + 3],
        b + k * ldb,
        ldb,
      );
    }
    for (; k < K; k++) addRow(m, ci, N, alpha * m[ai + k], b + k * ldb);
  }
}

/**
 * C (M,N) = alpha · Aᵀ · B + beta · C, with A stored (K,M).
 * A at element `a` with row stride `lda`, B (K,N) at `b` stride `ldb`, C at `c` stride `ldc`.
 */
export function gemmTN(
  m: Float32Array,
  M: number,
  N: number,
  K: number,
  alpha: number,
  a: number,
  lda: number,
  b: number,
  ldb: number,
  beta: number,
  c: number,
  ldc: number,
): void {
  for (let i = 0; i < M; i++) {
    const ci = c + i * ldc;
    const ai = a + i; // column i of A: element k at ai + k·lda
    startRow(m, ci, N, beta);
    let k = 0;
    for (; k + 4 <= K; k += 4) {
      const ak = ai + k * lda;
      addFourRows(
        m,
        ci,
        N,
        alpha * m[ak],
        alpha * m[ak + lda],
        alpha * m[ak + 2 * lda],
        alpha * m[ak + 3 * lda],
        b + k * ldb,
        ldb,
      );
    }
    for (; k < K; k++) addRow(m, ci, N, alpha * m[ai + k * lda], b + k * ldb);
  }
}

/** C[i][j] = alpha·s + beta·C[i][j] (C not read when beta = 0). */
function store(m: Float32Array, at: number, s: number, alpha: number, beta: number): void {
  m[at] = beta === 0 ? alpha * s : alpha * s + beta * m[at];
}

/**
 * C (M,N) = alpha · A (M,K) · Bᵀ + beta · C, with B stored (N,K).
 * A at element `a` with row stride `lda`, B at `b` stride `ldb`, C at `c` stride `ldc`.
 */
export function gemmNT(
  m: Float32Array,
  M: number,
  N: number,
  K: number,
  alpha: number,
  a: number,
  lda: number,
  b: number,
  ldb: number,
  beta: number,
  c: number,
  ldc: number,
): void {
  for (let i = 0; i < M; i++) {
    const ai = a + i * lda;
    const ci = c + i * ldc;
    let j = 0;
    for (; j + 4 <= N; j += 4) {
      const b0 = b + j * ldb;
      const b1 = b0 + ldb;
      const b2 = b1 + ldb;
      const b3 = b2 + ldb;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let k = 0; k < K; k++) {
        const av = m[ai + k];
        s0 += av * m[b0 + k];
        s1 += av * m[b1 + k];
        s2 += av * m[b2 + k];
        s3 += av * m[b3 + k];
      }
      store(m, ci + j, s0, alpha, beta);
      store(m, ci + j + 1, s1, alpha, beta);
      store(m, ci + j + 2, s2, alpha, beta);
      store(m, ci + j + 3, s3, alpha, beta);
    }
    for (; j < N; j++) {
      const bj = b + j * ldb;
      let s = 0;
      for (let k = 0; k < K; k++) s += m[ai + k] * m[bj + k];
      store(m, ci + j, s, alpha, beta);
    }
  }
}

/** dst (C,R) stride ldd = transpose of src (R,C) stride lds (element indices). */
export function transpose(
  m: Float32Array,
  R: number,
  C: number,
  src: number,
  lds: number,
  dst: number,
  ldd: number,
): void {
  for (let r = 0; r < R; r++) {
    const s = src + r * lds;
    for (let c = 0; c < C; c++) m[dst + c * ldd + r] = m[s + c];
  }
}
