// libargon2's C API (the reference implementation, Debian's libargon2-dev). Only
// Libraries/PasswordHashing imports this module.
#include <argon2.h>
