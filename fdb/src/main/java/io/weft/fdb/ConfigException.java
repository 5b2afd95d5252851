package io.weft.fdb;

/**
 * A network config that flannel's rules reject, or that weft cannot run. The message is one readable line of the
 * form {@code invalid network config: <Field> <value>: <rule>} and says how to fix it where that is not obvious.
 */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;
    static final String PREFIX = "invalid network config: ";

    private final String field;

    /**
     * @param field  the config field at fault as flannel's docs spell it ({@code SubnetLen}, {@code Backend.VNI}),
     *               or the empty string when the document as a whole is at fault (not JSON, not an object)
     * @param detail what was wrong, starting with the field and its value
     */
    public ConfigException(String field, String detail) {
        super(PREFIX + detail.replace('\n', ' ').replace('\r', ' '));
        this.field = field == null ? "" : field;
    }

    /** The field at fault ({@code SubnetMin}, {@code Backend.Type}, ...), or "" for the whole document. */
    public String field() {
        return field;
    }
}
