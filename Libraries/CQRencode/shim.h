// libqrencode's C API (Debian's libqrencode-dev). Only Libraries/QRCode imports this module.
#include <qrencode.h>
