package org.jcluster.ipc.json;

import java.io.IOException;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.io.ContentReference;
import com.fasterxml.jackson.core.io.IOContext;
import com.fasterxml.jackson.core.json.UTF8StreamJsonParser;

/**
 * A JsonFactory that skips per-call work whose result is fixed for this module's use. Measured on
 * small messages, where creating the parser or generator costs as much as the parsing itself.
 *
 * <ul>
 * <li>Content references: Jackson wraps the input in a new ContentReference on every call, only for
 * error locations, which {@code INCLUDE_SOURCE_IN_LOCATION} (off by default) redacts anyway, and
 * for a recycler look-up our sink does not offer. The shared redacted reference says the same.</li>
 * <li>Encoding detection: by the time JsonDecoder creates a parser it has refused NUL bytes in the
 * first four (the only UTF-16/32 signal Jackson uses without a BOM) and invalid UTF-8 (which the
 * UTF-16 BOMs are), so the bootstrapper would always pick UTF-8. Only a UTF-8 BOM still goes
 * through it, so that such a payload keeps being accepted with the same byte offsets.</li>
 * </ul>
 */
final class LeanJsonFactory extends JsonFactory {

    private static final long serialVersionUID = 1L;

    LeanJsonFactory(JsonFactoryBuilder builder) {
        super(builder);
    }

    @Override
    protected ContentReference _createContentReference(Object contentRef) {
        return ContentReference.redacted();
    }

    @Override
    protected ContentReference _createContentReference(Object contentRef, int offset, int length) {
        return ContentReference.redacted();
    }

    @Override
    protected JsonParser _createParser(byte[] data, int offset, int len, IOContext ctxt) throws IOException {
        if (len >= 3 && data[offset] == (byte) 0xEF && data[offset + 1] == (byte) 0xBB && data[offset + 2] == (byte) 0xBF
                || !isEnabled(Feature.CANONICALIZE_FIELD_NAMES)) {
            return super._createParser(data, offset, len, ctxt);
        }
        // What ByteSourceJsonBootstrapper.constructParser builds for UTF-8 without a BOM. The array
        // is the caller's: never recyclable.
        return new UTF8StreamJsonParser(ctxt, _parserFeatures, null, _objectCodec,
                _byteSymbolCanonicalizer.makeChild(_factoryFeatures), data, offset, offset + len, 0, false);
    }
}
