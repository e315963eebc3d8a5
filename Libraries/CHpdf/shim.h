// libharu's C API (Debian's libhpdf-dev). Only Libraries/PDF imports this module.
#include <hpdf.h>
