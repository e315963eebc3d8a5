// tesseract's C API (non-variadic, so Swift calls it directly). Only Libraries/OCR imports it.
#include <tesseract/capi.h>
