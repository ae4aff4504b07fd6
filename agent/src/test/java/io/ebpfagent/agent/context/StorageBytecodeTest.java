package io.ebpfagent.agent.context;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.CodeModel;
import java.lang.classfile.MethodModel;
import java.lang.classfile.constantpool.PoolEntry;
import java.lang.classfile.constantpool.Utf8Entry;
import java.lang.classfile.instruction.InvokeInstruction;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The bytes the hook defines and rewrites, checked with the JDK's class-file parser. */
class StorageBytecodeTest {
    private static final String SHADED = "io/opentelemetry/javaagent/shaded/";

    @Test
    void bridgeRelocatedIntoTheJavaagentsShadedPackageReferencesNothingElse() throws IOException {
        byte[] template = resource(OtelNames.BRIDGE_RESOURCE);
        byte[] relocated = PackageRelocation.relocate(template, "io/opentelemetry/", SHADED + "io/opentelemetry/");
        ClassModel model = ClassFile.of().parse(relocated);
        assertThat(model.thisClass().asInternalName())
                .isEqualTo(SHADED + "io/opentelemetry/context/EbpfAgentContextStorage");
        assertThat(model.interfaces()).extracting(i -> i.asInternalName()).containsExactlyInAnyOrder(
                SHADED + "io/opentelemetry/context/ContextStorage", SHADED + "io/opentelemetry/context/Scope");
        List<String> strings = new ArrayList<>();
        for (PoolEntry entry : model.constantPool()) {
            if (entry instanceof Utf8Entry utf8) {
                strings.add(utf8.stringValue());
            }
        }
        assertThat(strings).as("every API reference moved").allSatisfy(s -> assertThat(
                s.replace(SHADED + "io/opentelemetry/", "")).doesNotContain("io/opentelemetry/"));
        assertThat(strings).as("dotted string literals stay").contains("io.opentelemetry.javaagent.instrumentation.");
    }

    @Test
    void relocationToTheSamePrefixIsTheIdentity() throws IOException {
        byte[] template = resource(OtelNames.BRIDGE_RESOURCE);
        assertThat(PackageRelocation.relocate(template, "io/opentelemetry/", "io/opentelemetry/")).isSameAs(template);
    }

    @Test
    void lazyStorageGetterReturnsThroughTheBridge() throws IOException {
        byte[] original = resource("/io/opentelemetry/context/LazyStorage.class");
        ClassModel model = ClassFile.of().parse(StorageGetterRewrite.rewrite(original, ""));
        MethodModel get = model.methods().stream().filter(m -> m.methodName().equalsString("get")).findFirst()
                .orElseThrow();
        CodeModel code = get.code().orElseThrow();
        List<String> calls = code.elementStream().filter(e -> e instanceof InvokeInstruction)
                .map(e -> ((InvokeInstruction) e).owner().asInternalName() + "." + ((InvokeInstruction) e).name())
                .toList();
        assertThat(calls).containsExactly("io/opentelemetry/context/EbpfAgentContextStorage.wrap");
        assertThat(ClassFile.of().verify(model)).isEmpty();
        // the other methods are untouched
        assertThat(model.methods()).hasSameSizeAs(ClassFile.of().parse(original).methods());
    }

    @Test
    void aClassWithoutTheGetterIsRefused() throws IOException {
        byte[] other = resource("/io/opentelemetry/context/ContextStorageWrappers.class");
        assertThatThrownBy(() -> StorageGetterRewrite.rewrite(other, ""))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("has no static get()");
    }

    @Test
    void onlyTheApplicationsAndTheJavaagentsCopiesAreHooked() {
        assertThat(OtelNames.hookedPrefixOf("io/opentelemetry/context/LazyStorage")).isEmpty();
        assertThat(OtelNames.hookedPrefixOf(SHADED + "io/opentelemetry/context/LazyStorage")).isEqualTo(SHADED);
        assertThat(OtelNames.hookedPrefixOf("io/ebpfagent/shaded/io/opentelemetry/context/LazyStorage")).isNull();
        assertThat(OtelNames.hookedPrefixOf("io/opentelemetry/context/Context")).isNull();
        // the scan of classes loaded before premain asks with Class.getName()
        assertThat(OtelNames.hookedPrefixOfBinary("io.opentelemetry.context.LazyStorage")).isEmpty();
        assertThat(OtelNames.hookedPrefixOfBinary(SHADED.replace('/', '.') + "io.opentelemetry.context.LazyStorage"))
                .isEqualTo(SHADED);
        assertThat(OtelNames.hookedPrefixOfBinary("io/opentelemetry/context/LazyStorage")).isNull();
        assertThat(OtelNames.hookedPrefixOfBinary("io.opentelemetry.context.Context")).isNull();
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = StorageBytecodeTest.class.getResourceAsStream(name)) {
            assertThat(in).as(name).isNotNull();
            return in.readAllBytes();
        }
    }
}
