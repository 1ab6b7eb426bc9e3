#include "../../fft.h"
