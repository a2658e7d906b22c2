// The float Forward/Backward kernels of domain_float.hpp built with -mavx2 (CMakeLists.txt; called
// only when the filters' dispatch level is AVX2, domain_float.cpp). Same source as the baseline build.
#define EMTK_DF_NS df_avx2
#include "domain_float_kernels.hpp"
