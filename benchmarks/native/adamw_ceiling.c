// Native compute ceiling of the fp32 AdamW step on this machine, for comparison with the JVM kernels.
// gcc -O3 -march=native -fno-math-errno adamw_ceiling.c -o adamw_ceiling && ./adamw_ceiling   (run alone: no JMH at the same time)
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

// torch order, exact: two divisions
static void exact_plain(float *restrict p, const float *restrict g, float *restrict m, float *restrict v, long n,
                        float b1, float omb1, float b2, float omb2, float decay, float sqrtbc2, float eps, float negstep) {
    for (long i = 0; i < n; i++) {
        float pi = p[i] * decay;
        float mi = __builtin_fmaf(g[i], omb1, m[i] * b1);
        float vi = __builtin_fmaf(omb2 * g[i], g[i], v[i] * b2);
        float denom = __builtin_sqrtf(vi) / sqrtbc2 + eps;
        p[i] = pi + (negstep * mi) / denom;
        m[i] = mi; v[i] = vi;
    }
}
// folded constants: one division
static void fast_plain(float *restrict p, const float *restrict g, float *restrict m, float *restrict v, long n,
                       float b1, float omb1, float b2, float omb2, float decay, float epsf, float negstepf) {
    for (long i = 0; i < n; i++) {
        float mi = __builtin_fmaf(g[i], omb1, m[i] * b1);
        float vi = __builtin_fmaf(omb2 * g[i], g[i], v[i] * b2);
        p[i] = __builtin_fmaf(p[i], decay, (negstepf * mi) / (__builtin_sqrtf(vi) + epsf));
        m[i] = mi; v[i] = vi;
    }
}
static void fast_avx512(float *restrict p, const float *restrict g, float *restrict m, float *restrict v, long n,
                        float b1, float omb1, float b2, float omb2, float decay, float epsf, float negstepf) {
    __m512 B1 = _mm512_set1_ps(b1), O1 = _mm512_set1_ps(omb1), B2 = _mm512_set1_ps(b2), O2 = _mm512_set1_ps(omb2),
           D = _mm512_set1_ps(decay), E = _mm512_set1_ps(epsf), S = _mm512_set1_ps(negstepf);
    for (long i = 0; i < n; i += 32) {
        for (int k = 0; k < 32; k += 16) {
            __m512 gi = _mm512_load_ps(g + i + k), mi = _mm512_load_ps(m + i + k), vi = _mm512_load_ps(v + i + k), pi = _mm512_load_ps(p + i + k);
            mi = _mm512_fmadd_ps(gi, O1, _mm512_mul_ps(mi, B1));
            vi = _mm512_fmadd_ps(_mm512_mul_ps(O2, gi), gi, _mm512_mul_ps(vi, B2));
            __m512 u = _mm512_div_ps(_mm512_mul_ps(S, mi), _mm512_add_ps(_mm512_sqrt_ps(vi), E));
            _mm512_store_ps(p + i + k, _mm512_fmadd_ps(pi, D, u));
            _mm512_store_ps(m + i + k, mi); _mm512_store_ps(v + i + k, vi);
        }
    }
}
static void exact_avx512(float *restrict p, const float *restrict g, float *restrict m, float *restrict v, long n,
                         float b1, float omb1, float b2, float omb2, float decay, float sqrtbc2, float eps, float negstep) {
    __m512 B1 = _mm512_set1_ps(b1), O1 = _mm512_set1_ps(omb1), B2 = _mm512_set1_ps(b2), O2 = _mm512_set1_ps(omb2),
           D = _mm512_set1_ps(decay), E = _mm512_set1_ps(eps), Q = _mm512_set1_ps(sqrtbc2), S = _mm512_set1_ps(negstep);
    for (long i = 0; i < n; i += 16) {
        __m512 gi = _mm512_load_ps(g + i), mi = _mm512_load_ps(m + i), vi = _mm512_load_ps(v + i), pi = _mm512_mul_ps(_mm512_load_ps(p + i), D);
        mi = _mm512_fmadd_ps(gi, O1, _mm512_mul_ps(mi, B1));
        vi = _mm512_fmadd_ps(_mm512_mul_ps(O2, gi), gi, _mm512_mul_ps(vi, B2));
        __m512 denom = _mm512_add_ps(_mm512_div_ps(_mm512_sqrt_ps(vi), Q), E);
        _mm512_store_ps(p + i, _mm512_add_ps(pi, _mm512_div_ps(_mm512_mul_ps(S, mi), denom)));
        _mm512_store_ps(m + i, mi); _mm512_store_ps(v + i, vi);
    }
}
static void fast_avx2(float *restrict p, const float *restrict g, float *restrict m, float *restrict v, long n,
                      float b1, float omb1, float b2, float omb2, float decay, float epsf, float negstepf) {
    __m256 B1 = _mm256_set1_ps(b1), O1 = _mm256_set1_ps(omb1), B2 = _mm256_set1_ps(b2), O2 = _mm256_set1_ps(omb2),
           D = _mm256_set1_ps(decay), E = _mm256_set1_ps(epsf), S = _mm256_set1_ps(negstepf);
    for (long i = 0; i < n; i += 8) {
        __m256 gi = _mm256_load_ps(g + i), mi = _mm256_load_ps(m + i), vi = _mm256_load_ps(v + i), pi = _mm256_load_ps(p + i);
        mi = _mm256_fmadd_ps(gi, O1, _mm256_mul_ps(mi, B1));
        vi = _mm256_fmadd_ps(_mm256_mul_ps(O2, gi), gi, _mm256_mul_ps(vi, B2));
        __m256 u = _mm256_div_ps(_mm256_mul_ps(S, mi), _mm256_add_ps(_mm256_sqrt_ps(vi), E));
        _mm256_store_ps(p + i, _mm256_fmadd_ps(pi, D, u));
        _mm256_store_ps(m + i, mi); _mm256_store_ps(v + i, vi);
    }
}
static void probe(float *restrict p, const float *restrict g, float *restrict m, float *restrict v, long n) {
    for (long i = 0; i < n; i++) { float s = g[i]; p[i] += s; m[i] += s; v[i] += s; }
}

int main(int argc, char **argv) {
    long sizes[] = {4096, 65536, 1048576};
    const char *names[] = {"probe 4r/3w", "plain -O3 exact", "plain -O3 fast", "avx512 exact", "avx512 fast x2", "avx2 fast"};
    printf("G elem/s, best of 5 rounds\nkernel");
    for (int s = 0; s < 3; s++) printf("\t%ld", sizes[s]);
    printf("\n");
    for (int k = 0; k < 6; k++) {
        printf("%s", names[k]);
        for (int s = 0; s < 3; s++) {
            long n = sizes[s];
            float *p = aligned_alloc(64, n * 4), *g = aligned_alloc(64, n * 4), *m = aligned_alloc(64, n * 4), *v = aligned_alloc(64, n * 4);
            for (long i = 0; i < n; i++) { p[i] = 1.0f / (i + 1); g[i] = (i % 7) * 0.01f - 0.03f; m[i] = 0; v[i] = 0; }
            long reps = (long) (4e8 / n);
            double best = 0;
            for (int round = 0; round < 5; round++) {
                double t0 = now();
                for (long r = 0; r < reps; r++) {
                    switch (k) {
                        case 0: probe(p, g, m, v, n); break;
                        case 1: exact_plain(p, g, m, v, n, 0.9f, 0.1f, 0.999f, 0.001f, 0.99999f, 0.03f, 1e-8f, -1e-3f); break;
                        case 2: fast_plain(p, g, m, v, n, 0.9f, 0.1f, 0.999f, 0.001f, 0.99999f, 1e-9f, -1e-4f); break;
                        case 3: exact_avx512(p, g, m, v, n, 0.9f, 0.1f, 0.999f, 0.001f, 0.99999f, 0.03f, 1e-8f, -1e-3f); break;
                        case 4: fast_avx512(p, g, m, v, n, 0.9f, 0.1f, 0.999f, 0.001f, 0.99999f, 1e-9f, -1e-4f); break;
                        case 5: fast_avx2(p, g, m, v, n, 0.9f, 0.1f, 0.999f, 0.001f, 0.99999f, 1e-9f, -1e-4f); break;
                    }
                }
                double rate = (double) n * reps / (now() - t0) / 1e9;
                if (rate > best) best = rate;
            }
            volatile float sink = p[n / 2] + m[1] + v[2]; (void) sink;
            printf("\t%.2f", best);
            free(p); free(g); free(m); free(v);
        }
        printf("\n");
    }
    return 0;
}
