// libvips for Swift. Swift can call neither C variadic functions nor function-like macros, so the
// generic operation API (vips_operation_new, GObject properties, vips_cache_operation_build) is
// reached through these small helpers — the same path pyvips and ruby-vips take. Only
// Libraries/Vips imports this module.
#include <vips/vips.h>
#include <string.h>

static inline int isw_vips_init(void) { return VIPS_INIT("imageswiss"); }

static inline VipsOperation *isw_op_new(const char *name) { return vips_operation_new(name); }

/// Sets any scalar argument (int, double, bool, enum nick, string) from its text form.
static inline int isw_set_text(VipsOperation *op, const char *name, const char *value) {
    return vips_object_set_argument_from_string(VIPS_OBJECT(op), name, value);
}

/// 0 when the operation has an argument of that name.
static inline int isw_has_argument(VipsOperation *op, const char *name) {
    GParamSpec *pspec;
    VipsArgumentClass *argument_class;
    VipsArgumentInstance *argument_instance;
    return vips_object_get_argument(VIPS_OBJECT(op), name, &pspec, &argument_class, &argument_instance);
}

static inline void isw_set_image(VipsOperation *op, const char *name, VipsImage *image) {
    GValue value = G_VALUE_INIT;
    g_value_init(&value, VIPS_TYPE_IMAGE);
    g_value_set_object(&value, image);
    g_object_set_property(G_OBJECT(op), name, &value);
    g_value_unset(&value);
}

/// Sets a boxed argument (blob, image array); the operation takes its own reference.
static inline void isw_set_boxed(VipsOperation *op, const char *name, GType type, gpointer boxed) {
    GValue value = G_VALUE_INIT;
    g_value_init(&value, type);
    g_value_set_boxed(&value, boxed);
    g_object_set_property(G_OBJECT(op), name, &value);
    g_value_unset(&value);
}

/// Copies the bytes into a VipsBlob owned by the operation.
static inline void isw_set_blob(VipsOperation *op, const char *name, const void *data, size_t length) {
    VipsBlob *blob = vips_blob_copy(data, length);
    isw_set_boxed(op, name, VIPS_TYPE_BLOB, blob);
    vips_area_unref(VIPS_AREA(blob));
}

/// Builds through the operation cache. Returns a new reference to the built operation, or NULL with
/// the reason in vips_error_buffer().
static inline VipsOperation *isw_build(VipsOperation *op) { return vips_cache_operation_build(op); }

/// A new reference to an output image.
static inline VipsImage *isw_get_image(VipsOperation *op, const char *name) {
    GValue value = G_VALUE_INIT;
    g_value_init(&value, VIPS_TYPE_IMAGE);
    g_object_get_property(G_OBJECT(op), name, &value);
    VipsImage *image = VIPS_IMAGE(g_value_dup_object(&value));
    g_value_unset(&value);
    return image;
}

/// A new reference to an output blob; release with isw_blob_unref.
static inline VipsBlob *isw_get_blob(VipsOperation *op, const char *name) {
    GValue value = G_VALUE_INIT;
    g_value_init(&value, VIPS_TYPE_BLOB);
    g_object_get_property(G_OBJECT(op), name, &value);
    VipsBlob *blob = (VipsBlob *)g_value_dup_boxed(&value);
    g_value_unset(&value);
    return blob;
}

static inline double isw_get_double(VipsOperation *op, const char *name) {
    GValue value = G_VALUE_INIT;
    g_value_init(&value, G_TYPE_DOUBLE);
    g_object_get_property(G_OBJECT(op), name, &value);
    double result = g_value_get_double(&value);
    g_value_unset(&value);
    return result;
}

static inline const void *isw_blob_data(VipsBlob *blob, size_t *length) { return vips_blob_get(blob, length); }
static inline void isw_blob_unref(VipsBlob *blob) { vips_area_unref(VIPS_AREA(blob)); }
static inline void isw_unref_outputs(VipsOperation *op) { vips_object_unref_outputs(VIPS_OBJECT(op)); }
static inline void isw_object_unref(void *object) { g_object_unref(object); }

/// Whether the image has a metadata field, e.g. "orientation" or "exif-ifd3-GPSLatitude".
static inline int isw_has_field(VipsImage *image, const char *name) { return vips_image_get_typeof(image, name) != 0; }
// Fields are looked up only when present: a failed vips_image_get_* leaves text in libvips' global
// error buffer, which the next real error would then report.
static inline int isw_get_int_field(VipsImage *image, const char *name, int fallback) {
    int value;
    if (vips_image_get_typeof(image, name) == 0) return fallback;
    return vips_image_get_int(image, name, &value) == 0 ? value : fallback;
}
static inline const char *isw_get_string_field(VipsImage *image, const char *name) {
    const char *value;
    if (vips_image_get_typeof(image, name) == 0) return NULL;
    return vips_image_get_string(image, name, &value) == 0 ? value : NULL;
}
/// Removes the EXIF (GPS included), XMP and IPTC fields of an image the caller owns exclusively (a
/// fresh copy): libvips 8.14's WebP saver ignores `strip`, and savers rebuild EXIF from these fields.
static inline void isw_remove_private_metadata(VipsImage *image) {
    gchar **fields = vips_image_get_fields(image);  // a copy: safe to remove while walking it
    for (int i = 0; fields[i] != NULL; i++) {
        const char *field = fields[i];
        if (vips_isprefix("exif-", field) || strcmp(field, "xmp-data") == 0 || strcmp(field, "iptc-data") == 0) {
            vips_image_remove(image, field);
        }
    }
    g_strfreev(fields);
}
static inline const char *isw_interpretation_name(VipsImage *image) {
    return vips_enum_nick(VIPS_TYPE_INTERPRETATION, vips_image_get_interpretation(image));
}

/// The pixels of an image, computed and copied into a new buffer; release with g_free.
static inline void *isw_write_to_memory(VipsImage *image, size_t *length) { return vips_image_write_to_memory(image, length); }

/// Sets an array-of-images argument (bandjoin's "in").
static inline void isw_set_image_array(VipsOperation *op, const char *name, VipsImage **images, int count) {
    VipsArrayImage *array = vips_array_image_new(images, count);
    isw_set_boxed(op, name, VIPS_TYPE_ARRAY_IMAGE, array);
    vips_area_unref(VIPS_AREA(array));
}

/// A matrix image from row-major values (recomb's colour matrices); NULL on error.
static inline VipsImage *isw_matrix(int width, int height, const double *values) {
    return vips_image_new_matrix_from_array(width, height, values, width * height);
}

static inline int isw_get_int(VipsOperation *op, const char *name) {
    GValue value = G_VALUE_INIT;
    g_value_init(&value, G_TYPE_INT);
    g_object_get_property(G_OBJECT(op), name, &value);
    int result = g_value_get_int(&value);
    g_value_unset(&value);
    return result;
}
