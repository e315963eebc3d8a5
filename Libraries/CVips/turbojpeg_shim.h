// JPEG coding straight through libjpeg-turbo, the codec libvips' own JPEG loader and saver use, for
// the two places where going around libvips pays (docs/performance.md, "ImageOps"):
// - decoding at a reduced DCT scale: libvips' loader shrinks by 2, 4 or 8 only; libjpeg-turbo scales
//   by any eighth, so a 2016-pixel photo meant for a 512-pixel box decodes at 3/8 (756 px) instead
//   of 1/2 (1008 px), 44 % fewer pixels to decode and resize;
// - encoding a small result on the calling thread: libvips' savers hand strips between its worker
//   and write-behind threads, which left a core idle 13 % of the time with two images in flight.
// libvips still computes every pixel operation. Only Libraries/Vips calls this.
#include <vips/vips.h>
#include <turbojpeg.h>
#include <stdio.h>
#include <string.h>

static void isw_free_pixels(VipsImage *image, void *pixels) {
    (void)image;
    g_free(pixels);
}

/// Header fields libvips keeps in the image struct; everything else is metadata worth copying.
static inline int isw_is_core_field(const char *name) {
    static const char *core[] = {"width", "height", "bands", "format", "coding", "interpretation", "xoffset", "yoffset",
                                 "xres", "yres", "filename", "mode", "scale", "offset", "vips-loader", NULL};
    for (int i = 0; core[i]; i++) if (strcmp(name, core[i]) == 0) return 1;
    return 0;
}

static void *isw_copy_field(VipsImage *from, const char *name, GValue *value, void *to) {
    (void)from;
    if (!isw_is_core_field(name)) vips_image_set((VipsImage *)to, name, value);
    return NULL;
}

/// Decodes the JPEG at scale `eighths`/8 into a new uchar image (sRGB, or B_W for gray) that owns
/// its pixels, with the metadata of `header` (the same bytes loaded by libvips, header only). NULL
/// with a message in `error` on any problem — warnings included (a truncated file), so the caller
/// can hand the bytes to libvips' loader, whose `fail_on` then decides.
static inline VipsImage *isw_jpeg_decode_scaled(const void *data, size_t length, int eighths, VipsImage *header,
                                                char *error, size_t error_size) {
    tjhandle handle = tjInitDecompress();
    if (!handle) { snprintf(error, error_size, "libjpeg-turbo: %s", tjGetErrorStr2(NULL)); return NULL; }
    int w, h, subsampling, colorspace;
    if (tjDecompressHeader3(handle, data, (unsigned long)length, &w, &h, &subsampling, &colorspace) != 0) {
        snprintf(error, error_size, "libjpeg-turbo: %s", tjGetErrorStr2(handle));
        tjDestroy(handle);
        return NULL;
    }
    if (colorspace != TJCS_YCbCr && colorspace != TJCS_GRAY && colorspace != TJCS_RGB) {
        snprintf(error, error_size, "libjpeg-turbo: CMYK and YCCK are left to libvips");
        tjDestroy(handle);
        return NULL;
    }
    int bands = colorspace == TJCS_GRAY ? 1 : 3;
    tjscalingfactor factor = {eighths, 8};
    int width = TJSCALED(w, factor), height = TJSCALED(h, factor);
    size_t size = (size_t)width * (size_t)height * (size_t)bands;
    unsigned char *pixels = g_try_malloc(size);
    if (!pixels) { snprintf(error, error_size, "out of memory for %dx%d pixels", width, height); tjDestroy(handle); return NULL; }
    if (tjDecompress2(handle, data, (unsigned long)length, pixels, width, 0, height, bands == 1 ? TJPF_GRAY : TJPF_RGB,
                      TJFLAG_STOPONWARNING) != 0) {
        snprintf(error, error_size, "libjpeg-turbo: %s", tjGetErrorStr2(handle));
        tjDestroy(handle);
        g_free(pixels);
        return NULL;
    }
    tjDestroy(handle);
    VipsImage *image = vips_image_new_from_memory(pixels, size, width, height, bands, VIPS_FORMAT_UCHAR);
    if (!image) { snprintf(error, error_size, "%s", vips_error_buffer()); vips_error_clear(); g_free(pixels); return NULL; }
    g_signal_connect(image, "postclose", G_CALLBACK(isw_free_pixels), pixels);
    image->Type = bands == 1 ? VIPS_INTERPRETATION_B_W : VIPS_INTERPRETATION_sRGB;
    // Resolution in pixels per millimetre, as the loader read it (new_from_memory says 1).
    image->Xres = header->Xres;
    image->Yres = header->Yres;
    vips_image_map(header, isw_copy_field, image);
    return image;
}

/// 1 when `isw_jpeg_encode` can take this image: 8-bit sRGB or gray, no alpha, not coded.
static inline int isw_jpeg_encodable(VipsImage *image) {
    if (image->BandFmt != VIPS_FORMAT_UCHAR || image->Coding != VIPS_CODING_NONE) return 0;
    return (image->Bands == 3 && image->Type == VIPS_INTERPRETATION_sRGB) || (image->Bands == 1 && image->Type == VIPS_INTERPRETATION_B_W);
}

/// Computes the image on the calling thread, 128 rows at a time (the kill flag is checked between
/// strips, so a timeout still stops it), then encodes it as a baseline or progressive JPEG with
/// libvips' defaults (4:2:0 chroma below quality 90, 4:4:4 from 90, no metadata). The output is
/// allocated by libjpeg-turbo: release it with `isw_jpeg_free`. 0 on success; -1 with a message.
static inline int isw_jpeg_encode(VipsImage *image, int quality, int progressive, unsigned char **out, unsigned long *length,
                                  char *error, size_t error_size) {
    int width = image->Xsize, height = image->Ysize, bands = image->Bands;
    size_t row = (size_t)width * (size_t)bands;
    unsigned char *pixels = g_try_malloc(row * (size_t)height);
    if (!pixels) { snprintf(error, error_size, "out of memory for %dx%d pixels", width, height); return -1; }
    VipsRegion *region = vips_region_new(image);
    for (int top = 0; top < height; top += 128) {
        VipsRect strip = {0, top, width, MIN(128, height - top)};
        if (vips_image_iskilled(image) || vips_region_prepare(region, &strip) != 0) {
            snprintf(error, error_size, "%s", vips_error_buffer());
            vips_error_clear();
            g_object_unref(region);
            g_free(pixels);
            return -1;
        }
        for (int y = 0; y < strip.height; y++) {
            memcpy(pixels + (size_t)(top + y) * row, VIPS_REGION_ADDR(region, 0, top + y), row);
        }
    }
    g_object_unref(region);
    tjhandle handle = tjInitCompress();
    if (!handle) { snprintf(error, error_size, "libjpeg-turbo: %s", tjGetErrorStr2(NULL)); g_free(pixels); return -1; }
    int subsampling = bands == 1 ? TJSAMP_GRAY : (quality >= 90 ? TJSAMP_444 : TJSAMP_420);
    *out = NULL;
    *length = 0;
    int failed = tjCompress2(handle, pixels, width, (int)row, height, bands == 1 ? TJPF_GRAY : TJPF_RGB, out, length,
                             subsampling, quality, progressive ? TJFLAG_PROGRESSIVE : 0);
    if (failed) snprintf(error, error_size, "libjpeg-turbo: %s", tjGetErrorStr2(handle));
    tjDestroy(handle);
    g_free(pixels);
    return failed ? -1 : 0;
}

static inline void isw_jpeg_free(unsigned char *buffer) { tjFree(buffer); }
