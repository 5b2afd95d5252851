package io.weft.dataplane.cli;

import picocli.CommandLine;

import java.util.Set;

/**
 * Booleans as flanneld reads them: Go's {@code strconv.ParseBool}, which takes exactly {@code 1 t T TRUE true True}
 * and {@code 0 f F FALSE false False}. Used for every boolean flag and {@code FLANNELD_*}/{@code WEFT_*} variable, so
 * that {@code -ip-masq=1} or {@code FLANNELD_IP_MASQ=T} from a flanneld unit means what it meant there.
 */
final class GoBool implements CommandLine.ITypeConverter<Boolean> {
    private static final Set<String> TRUE = Set.of("1", "t", "T", "TRUE", "true", "True");
    private static final Set<String> FALSE = Set.of("0", "f", "F", "FALSE", "false", "False");
    static final String ACCEPTED = "1, t, T, TRUE, true, True, 0, f, F, FALSE, false or False";

    /** The value, or null when {@code text} is not one of Go's spellings. */
    static Boolean parse(String text) {
        if (TRUE.contains(text)) {
            return Boolean.TRUE;
        }
        if (FALSE.contains(text)) {
            return Boolean.FALSE;
        }
        return null;
    }

    @Override
    public Boolean convert(String value) {
        Boolean b = parse(value);
        if (b == null) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a boolean (use " + ACCEPTED + ")");
        }
        return b;
    }
}
