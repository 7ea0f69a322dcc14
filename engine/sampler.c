/* sampler.c - greedy, temperature, top-k and top-p (nucleus) sampling.
 *
 * Order as in llama.cpp's common sampler chain: top-k, then top-p over the
 * softmax of the kept logits, then temperature, then a draw. The random
 * numbers come from splitmix64 (Steele, Lea, Flood 2014), seeded by the caller,
 * so a seed reproduces the same text.
 */
#include <math.h>
#include <stdlib.h>

#include "engine.h"

uint64_t eng_splitmix64(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void eng_sampler_init(eng_sampler *s, const eng_sampler_params *p) {
    s->p = *p;
    s->state = p->seed;
}

int32_t eng_argmax(const float *logits, int32_t n) {
    int32_t best = 0;
    for (int32_t i = 1; i < n; i++)
        if (logits[i] > logits[best]) best = i;
    return best;
}

typedef struct { float logit; int32_t id; } cand;

static int cand_desc(const void *a, const void *b) {
    const cand *x = a, *y = b;
    if (x->logit > y->logit) return -1;
    if (x->logit < y->logit) return 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

int32_t eng_sample(eng_sampler *s, const float *logits, int32_t n) {
    if (s->p.temperature <= 0.0f || n <= 1) return eng_argmax(logits, n);
    cand *c = malloc((size_t)n * sizeof *c);
    if (!c) return eng_argmax(logits, n); /* degrade to greedy rather than fail mid-stream */
    for (int32_t i = 0; i < n; i++) c[i] = (cand){logits[i], i};
    qsort(c, (size_t)n, sizeof *c, cand_desc);
    int32_t k = n;
    if (s->p.top_k > 0 && s->p.top_k < k) k = s->p.top_k;
    /* softmax at temperature 1 for top-p, over the k kept */
    double sum = 0.0;
    double *pr = malloc((size_t)k * sizeof *pr);
    if (!pr) { free(c); return eng_argmax(logits, n); }
    for (int32_t i = 0; i < k; i++) sum += (pr[i] = exp((double)c[i].logit - c[0].logit));
    if (s->p.top_p > 0.0f && s->p.top_p < 1.0f) {
        double acc = 0.0;
        int32_t keep = k;
        for (int32_t i = 0; i < k; i++) {
            acc += pr[i] / sum;
            if (acc >= s->p.top_p) { keep = i + 1; break; }
        }
        k = keep;
    }
    /* temperature, then draw */
    sum = 0.0;
    for (int32_t i = 0; i < k; i++) sum += (pr[i] = exp(((double)c[i].logit - c[0].logit) / s->p.temperature));
    double r = (double)(eng_splitmix64(&s->state) >> 11) * (1.0 / 9007199254740992.0) * sum;
    int32_t pick = c[k - 1].id;
    for (int32_t i = 0; i < k; i++) {
        r -= pr[i];
        if (r < 0.0) { pick = c[i].id; break; }
    }
    free(pr);
    free(c);
    return pick;
}
