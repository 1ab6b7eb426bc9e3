#include "../../linear.h"
