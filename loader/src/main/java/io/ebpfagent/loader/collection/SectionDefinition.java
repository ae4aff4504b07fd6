package io.ebpfagent.loader.collection;

import io.ebpfagent.loader.programs.AttachType;
import io.ebpfagent.loader.programs.ProgramType;
import java.util.Set;

/**
 * One row of the section-name table: a pattern and what it means for the programs of matching
 * sections.
 *
 * <p>Pattern syntax (libbpf's): a pattern ending in {@code +} matches the bare name or the name
 * followed by {@code /extras} (the extras are the attach target); a pattern ending in {@code /}
 * requires {@code /extras}; any other pattern must match exactly.
 *
 * @param pattern     the pattern
 * @param programType the program type
 * @param attachType  the expected attach type, or null where the type has none
 * @param flags       further properties
 */
public record SectionDefinition(String pattern, ProgramType programType, AttachType attachType, Set<SectionFlag> flags) {

    public SectionDefinition {
        flags = Set.copyOf(flags);
    }

    /** True if this definition carries the flag. */
    public boolean has(SectionFlag flag) {
        return flags.contains(flag);
    }

    /**
     * The attach target if {@code sectionName} matches this pattern ({@code ""} when there are no
     * extras), or null if it does not match.
     */
    String match(String sectionName) {
        int len = pattern.length();
        char last = pattern.charAt(len - 1);
        if (last == '/') {
            return sectionName.startsWith(pattern) ? sectionName.substring(len) : null;
        }
        if (last == '+') {
            String prefix = pattern.substring(0, len - 1);
            if (!sectionName.startsWith(prefix)) return null;
            if (sectionName.length() == prefix.length()) return "";
            return sectionName.charAt(prefix.length()) == '/' ? sectionName.substring(prefix.length() + 1) : null;
        }
        return sectionName.equals(pattern) ? "" : null;
    }

    /**
     * Old loaders accepted any {@code name/extras} for a plain pattern ({@code socket/filter},
     * {@code xdp/prog}); tried only when no pattern matches strictly.
     */
    String matchLegacy(String sectionName) {
        char last = pattern.charAt(pattern.length() - 1);
        if (last == '/' || last == '+') return null;
        return sectionName.startsWith(pattern + "/") ? sectionName.substring(pattern.length() + 1) : null;
    }
}
