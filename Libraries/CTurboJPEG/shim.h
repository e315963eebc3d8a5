// libjpeg-turbo's TurboJPEG API (Debian's libturbojpeg0-dev). Only Libraries/TurboJPEG imports this module.
#include <stddef.h>
#include <turbojpeg.h>
