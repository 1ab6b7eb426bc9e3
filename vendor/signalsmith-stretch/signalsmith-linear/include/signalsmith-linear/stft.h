#include "../../stft.h"
