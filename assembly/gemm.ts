// GEMM kernels: C (M,N) = alpha · op(A) · op(B) + beta · C, row-major, f32.
// beta == 0 means C is overwritten without being read (garbage or NaN in C never leaks through).
// The SIMD kernels are tested against the scalar `_ref` versions beside them.

// ---------------------------------------------------------------- scalar references

/** C (M,N) = alpha · A (M,K) · B (K,N) + beta · C. */
export function gemm_nn_ref(M: i32, N: i32, K: i32, alpha: f32, A: usize, lda: i32, B: usize, ldb: i32, beta: f32, C: usize, ldc: i32): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let acc: f32 = 0;
      for (let k = 0; k < K; k++) {
        acc += load<f32>(A + (<usize>(i * lda + k) << 2)) * load<f32>(B + (<usize>(k * ldb + j) << 2));
      }
      const c = C + (<usize>(i * ldc + j) << 2);
      store<f32>(c, beta == 0 ? alpha * acc : alpha * acc + beta * load<f32>(c));
    }
  }
}

/** C (M,N) = alpha · A (M,K) · B (N,K)ᵀ + beta · C. */
export function gemm_nt_ref(M: i32, N: i32, K: i32, alpha: f32, A: usize, lda: i32, B: usize, ldb: i32, beta: f32, C: usize, ldc: i32): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let acc: f32 = 0;
      for (let k = 0; k < K; k++) {
        acc += load<f32>(A + (<usize>(i * lda + k) << 2)) * load<f32>(B + (<usize>(j * ldb + k) << 2));
      }
      const c = C + (<usize>(i * ldc + j) << 2);
      store<f32>(c, beta == 0 ? alpha * acc : alpha * acc + beta * load<f32>(c));
    }
  }
}

/** C (M,N) = alpha · A (K,M)ᵀ · B (K,N) + beta · C. */
export function gemm_tn_ref(M: i32, N: i32, K: i32, alpha: f32, A: usize, lda: i32, B: usize, ldb: i32, beta: f32, C: usize, ldc: i32): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let acc: f32 = 0;
      for (let k = 0; k < K; k++) {
        acc += load<f32>(A + (<usize>(k * lda + i) << 2)) * load<f32>(B + (<usize>(k * ldb + j) << 2));
      }
      const c = C + (<usize>(i * ldc + j) << 2);
      store<f32>(c, beta == 0 ? alpha * acc : alpha * acc + beta * load<f32>(c));
    }
  }
}

/** dst (C,R) stride ldd = src (R,C) stride lds, transposed. */
export function transpose(R: i32, C: i32, src: usize, lds: i32, dst: usize, ldd: i32): void {
  for (let r = 0; r < R; r++) {
    for (let c = 0; c < C; c++) {
      store<f32>(dst + (<usize>(c * ldd + r) << 2), load<f32>(src + (<usize>(r * lds + c) << 2)));
    }
  }
}

// ---------------------------------------------------------------- SIMD kernels (placeholders: scalar until tuned)

/** C (M,N) = alpha · A (M,K) · B (K,N) + beta · C. */
export function gemm_nn(M: i32, N: i32, K: i32, alpha: f32, A: usize, lda: i32, B: usize, ldb: i32, beta: f32, C: usize, ldc: i32): void {
  gemm_nn_ref(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

/** C (M,N) = alpha · A (M,K) · B (N,K)ᵀ + beta · C. */
export function gemm_nt(M: i32, N: i32, K: i32, alpha: f32, A: usize, lda: i32, B: usize, ldb: i32, beta: f32, C: usize, ldc: i32): void {
  gemm_nt_ref(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

/** C (M,N) = alpha · A (K,M)ᵀ · B (K,N) + beta · C. */
export function gemm_tn(M: i32, N: i32, K: i32, alpha: f32, A: usize, lda: i32, B: usize, ldb: i32, beta: f32, C: usize, ldc: i32): void {
  gemm_tn_ref(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}
