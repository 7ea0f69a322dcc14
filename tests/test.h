/* test.h - a minimal test runner: each test is a function registered in a
 * table; a failed CHECK records the file, line and the values, and the test
 * goes on. main() runs every test (or those whose name contains argv[1]) and
 * ends with the line "N passed, N failed"; the exit status is non-zero when
 * any test failed.
 *
 * Usage:
 *   static void test_foo(void) { CHECK(x == 1); CHECK_NEAR(y, 2.0, 1e-9); }
 *   TEST_MAIN(TEST(test_foo), TEST(test_bar))
 */
#ifndef LLMCAP_TEST_H
#define LLMCAP_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct test_case { const char *name; void (*fn)(void); } test_case;

extern int test_failures_; /* failed checks in the current test */

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
            test_failures_++;                                                    \
        }                                                                        \
    } while (0)

/* |a - b| <= tol (absolute tolerance). */
#define CHECK_NEAR(a, b, tol)                                                    \
    do {                                                                         \
        double a_ = (double)(a), b_ = (double)(b), t_ = (double)(tol);           \
        if (!(fabs(a_ - b_) <= t_)) {                                            \
            fprintf(stderr, "  %s:%d: %s = %.9g, expected %s = %.9g (tol %g)\n", \
                    __FILE__, __LINE__, #a, a_, #b, b_, t_);                     \
            test_failures_++;                                                    \
        }                                                                        \
    } while (0)

/* |a - b| <= rel * |b| (relative tolerance). */
#define CHECK_REL(a, b, rel)                                                     \
    do {                                                                         \
        double a_ = (double)(a), b_ = (double)(b), r_ = (double)(rel);           \
        if (!(fabs(a_ - b_) <= r_ * fabs(b_))) {                                 \
            fprintf(stderr, "  %s:%d: %s = %.9g, expected %s = %.9g (rel tol %g)\n", \
                    __FILE__, __LINE__, #a, a_, #b, b_, r_);                     \
            test_failures_++;                                                    \
        }                                                                        \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                       \
    do {                                                                         \
        long long a_ = (long long)(a), b_ = (long long)(b);                      \
        if (a_ != b_) {                                                          \
            fprintf(stderr, "  %s:%d: %s = %lld, expected %lld\n", __FILE__,     \
                    __LINE__, #a, a_, b_);                                       \
            test_failures_++;                                                    \
        }                                                                        \
    } while (0)

#define CHECK_STR(a, b)                                                          \
    do {                                                                         \
        const char *a_ = (a), *b_ = (b);                                         \
        if (!a_ || !b_ || strcmp(a_, b_) != 0) {                                 \
            fprintf(stderr, "  %s:%d: %s = \"%s\", expected \"%s\"\n", __FILE__, \
                    __LINE__, #a, a_ ? a_ : "(null)", b_ ? b_ : "(null)");       \
            test_failures_++;                                                    \
        }                                                                        \
    } while (0)

/* haystack contains needle */
#define CHECK_CONTAINS(hay, needle)                                              \
    do {                                                                         \
        const char *h_ = (hay), *n_ = (needle);                                  \
        if (!h_ || !strstr(h_, n_)) {                                            \
            fprintf(stderr, "  %s:%d: \"%s\" does not contain \"%s\"\n",         \
                    __FILE__, __LINE__, h_ ? h_ : "(null)", n_);                 \
            test_failures_++;                                                    \
        }                                                                        \
    } while (0)

#define TEST(fn) { #fn, fn }

#define TEST_MAIN(...)                                                           \
    int test_failures_ = 0;                                                      \
    int main(int argc, char **argv) {                                            \
        static const test_case cases_[] = { __VA_ARGS__ };                       \
        int passed = 0, failed = 0;                                              \
        for (size_t i = 0; i < sizeof cases_ / sizeof cases_[0]; i++) {          \
            if (argc > 1 && !strstr(cases_[i].name, argv[1])) continue;          \
            test_failures_ = 0;                                                  \
            cases_[i].fn();                                                      \
            if (test_failures_) {                                                \
                failed++;                                                        \
                fprintf(stderr, "FAIL %s\n", cases_[i].name);                    \
            } else {                                                             \
                passed++;                                                        \
            }                                                                    \
        }                                                                        \
        printf("%d passed, %d failed\n", passed, failed);                       \
        return failed ? 1 : 0;                                                   \
    }

#endif
