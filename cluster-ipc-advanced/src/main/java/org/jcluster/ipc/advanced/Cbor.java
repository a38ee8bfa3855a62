package org.jcluster.ipc.advanced;

/**
 * The RFC 8949 numbers this codec speaks, in one place, so that the encoder, the decoder and the
 * README's mapping table can be checked against each other.
 */
final class Cbor {
    private Cbor() {
    }

    static final int MAJOR_UNSIGNED = 0;
    static final int MAJOR_NEGATIVE = 1;
    static final int MAJOR_BYTES = 2;
    static final int MAJOR_TEXT = 3;
    static final int MAJOR_ARRAY = 4;
    static final int MAJOR_MAP = 5;
    static final int MAJOR_TAG = 6;
    static final int MAJOR_SIMPLE = 7;

    /** Additional information 31: indefinite length (or "break" in major type 7). */
    static final int INDEFINITE = 31;

    static final int FALSE = 0xF4;
    static final int TRUE = 0xF5;
    static final int NULL = 0xF6;
    static final int UNDEFINED = 0xF7;
    static final int HALF = 0xF9;
    static final int SINGLE = 0xFA;
    static final int DOUBLE = 0xFB;
    static final int BREAK = 0xFF;

    // IANA "CBOR Tags" registry numbers (https://www.iana.org/assignments/cbor-tags).
    /** RFC 8949: RFC 3339 date-time string. Carries OffsetDateTime. */
    static final long TAG_DATE_TIME_STRING = 0;
    /** RFC 8949: seconds since the epoch. Carries an Instant with no fraction of a second. */
    static final long TAG_EPOCH_TIME = 1;
    /** RFC 8949: unsigned bignum. */
    static final long TAG_POSITIVE_BIGNUM = 2;
    /** RFC 8949: negative bignum (-1 - n). */
    static final long TAG_NEGATIVE_BIGNUM = 3;
    /** RFC 8949: decimal fraction [exponent, mantissa]. Carries BigDecimal. */
    static final long TAG_DECIMAL_FRACTION = 4;
    /** cbor.schmorp.de/generic-object: [typename, constructor args...]. Records, enums, errors. */
    static final long TAG_TYPED_OBJECT = 27;
    /** cbor.schmorp.de/value-sharing: mark the next value as shareable (indexes count from 0). */
    static final long TAG_SHAREABLE = 28;
    /** cbor.schmorp.de/value-sharing: reference to the n-th shareable value. */
    static final long TAG_SHARED_REF = 29;
    /** IANA (github.com/lucas-clemente/cbor-specs/uuid.md): binary UUID, 16 bytes. */
    static final long TAG_UUID = 37;
    /** RFC 8943: days since 1970-01-01. Decoded as LocalDate. */
    static final long TAG_EPOCH_DAYS = 100;
    /** github.com/input-output-hk/cbor-sets-spec: mathematical finite set. */
    static final long TAG_SET = 258;
    /** RFC 9581: extended time {1: seconds, -9: nanoseconds}. Carries an Instant with a fraction. */
    static final long TAG_EXTENDED_TIME = 1001;
    /** RFC 9581: duration {1: seconds, -9: nanoseconds}. Carries Duration. */
    static final long TAG_DURATION = 1002;
    /** RFC 8943: RFC 3339 full-date string. Carries LocalDate. */
    static final long TAG_FULL_DATE = 1004;
    /** RFC 8949: self-described CBOR; accepted (and ignored) in front of a message. */
    static final long TAG_SELF_DESCRIBED = 55799;

    /** Map keys of the RFC 9581 time maps. */
    static final long TIME_KEY_SECONDS = 1;
    static final long TIME_KEY_MILLIS = -3;
    static final long TIME_KEY_MICROS = -6;
    static final long TIME_KEY_NANOS = -9;

    /** The tag-27 type name of a structured error. Language-neutral: a non-Java peer can produce it. */
    static final String ERROR_TYPE_NAME = "jcluster/error";
    /** Prefix of a registered Java type's tag-27 name, as the generic-object spec suggests. */
    static final String JAVA_TYPE_PREFIX = "java/";

    /** The bytes a major-type header with this argument takes (preferred serialization). */
    static int headerSize(long argument) {
        if (argument >= 0 && argument < 24) {
            return 1;
        }
        if (argument >= 0 && argument < 0x100) {
            return 2;
        }
        if (argument >= 0 && argument < 0x10000) {
            return 3;
        }
        if (argument >= 0 && argument < 0x1_0000_0000L) {
            return 5;
        }
        return 9;
    }

    static String tagName(long tag) {
        if (tag == TAG_DATE_TIME_STRING) {
            return "0 (date-time string)";
        } else if (tag == TAG_EPOCH_TIME) {
            return "1 (epoch time)";
        } else if (tag == TAG_POSITIVE_BIGNUM) {
            return "2 (unsigned bignum)";
        } else if (tag == TAG_NEGATIVE_BIGNUM) {
            return "3 (negative bignum)";
        } else if (tag == TAG_DECIMAL_FRACTION) {
            return "4 (decimal fraction)";
        } else if (tag == TAG_TYPED_OBJECT) {
            return "27 (typed object)";
        } else if (tag == TAG_SHAREABLE) {
            return "28 (shareable)";
        } else if (tag == TAG_SHARED_REF) {
            return "29 (sharedref)";
        } else if (tag == TAG_UUID) {
            return "37 (UUID)";
        } else if (tag == TAG_EPOCH_DAYS) {
            return "100 (epoch days)";
        } else if (tag == TAG_SET) {
            return "258 (set)";
        } else if (tag == TAG_EXTENDED_TIME) {
            return "1001 (extended time)";
        } else if (tag == TAG_DURATION) {
            return "1002 (duration)";
        } else if (tag == TAG_FULL_DATE) {
            return "1004 (full date)";
        }
        return Long.toUnsignedString(tag);
    }

    static final String KNOWN_TAGS = "0, 1, 2, 3, 4, 27, 28, 29, 37, 100, 258, 1001, 1002, 1004"
            + " (and 55799 in front of a message)";

    /** IEEE 754 half-precision bits of {@code f} when it holds f exactly, else -1. */
    static int halfBitsIfExact(float f) {
        int bits = Float.floatToIntBits(f); // NaN collapses to the canonical quiet NaN here
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xFF;
        int mant = bits & 0x7F_FFFF;
        if (exp == 0xFF) {
            return sign | 0x7C00 | (mant != 0 ? 0x200 : 0);
        }
        if (exp == 0) {
            // Zero keeps its sign; float subnormals lie far below the half range.
            return mant == 0 ? sign : -1;
        }
        int e = exp - 127;
        if (e > 15 || e < -24) {
            return -1;
        }
        if (e >= -14) {
            return (mant & 0x1FFF) != 0 ? -1 : sign | ((e + 15) << 10) | (mant >>> 13);
        }
        // A half subnormal is m * 2^-24 with m < 1024.
        int full = mant | 0x80_0000;
        int shift = -(e + 1);
        if ((full & ((1 << shift) - 1)) != 0) {
            return -1;
        }
        return sign | (full >>> shift);
    }

    static double halfToDouble(int half) {
        int exp = (half >>> 10) & 0x1F;
        int mant = half & 0x3FF;
        double value;
        if (exp == 0) {
            value = Math.scalb((double) mant, -24);
        } else if (exp == 31) {
            value = mant == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
        } else {
            value = Math.scalb((double) (mant + 1024), exp - 25);
        }
        return (half & 0x8000) != 0 ? -value : value;
    }
}
