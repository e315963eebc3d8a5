// zlib's CRC-32, for the ZIP archives Storage streams. Only Services/Storage/Crc32.swift imports it.
#include <zlib.h>
