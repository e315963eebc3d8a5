// libpq's client API. Debian puts it under /usr/include/postgresql (package libpq-dev).
#include <postgresql/libpq-fe.h>
