/* The laplace lesson's C loop, as the seed's weave.inline block runs it: one Gauss-Seidel
 * sweep in place over a row-major n x n grid whose boundary stays fixed, returning the
 * sweep's error sum. Same update and summation order as the Rust `inplace` variant. */
#include <stddef.h>

double perflab_laplace_c(double *u, size_t n) {
    double err = 0.0;
    for (size_t i = 1; i + 1 < n; i++) {
        for (size_t j = 1; j + 1 < n; j++) {
            size_t k = i * n + j;
            double old = u[k];
            double v = 0.25 * (((u[k - n] + u[k + n]) + u[k - 1]) + u[k + 1]);
            u[k] = v;
            double d = v - old;
            err += d * d;
        }
    }
    return err;
}
