/* The diffusion lesson's compiled baseline: the tutorial's algorithm as a C programmer
 * writes it. Two loop nests per step over a row-major n x n grid whose boundary rows and
 * columns stay zero: the first computes the 5-point laplacian into its own array, the
 * second adds coef * laplacian to the density (coef = D * dt / dx^2). */
#include <stddef.h>

void perflab_diffusion_c(double *restrict rho, double *restrict lap, size_t n, size_t steps,
                         double coef) {
    for (size_t s = 0; s < steps; s++) {
        for (size_t i = 1; i + 1 < n; i++) {
            for (size_t j = 1; j + 1 < n; j++) {
                size_t k = i * n + j;
                lap[k] = rho[k - n] + rho[k + n] + rho[k - 1] + rho[k + 1] - 4.0 * rho[k];
            }
        }
        for (size_t i = 1; i + 1 < n; i++) {
            for (size_t j = 1; j + 1 < n; j++) {
                size_t k = i * n + j;
                rho[k] += coef * lap[k];
            }
        }
    }
}
