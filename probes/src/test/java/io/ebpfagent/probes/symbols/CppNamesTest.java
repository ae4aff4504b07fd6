package io.ebpfagent.probes.symbols;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Symbols as they appear in libjvm.so of Temurin 25. */
class CppNamesTest {
    @Test
    void qualifiedNamesWithoutParameters() {
        assertEquals("Thread::call_run", CppNames.simplify("_ZN6Thread8call_runEv"));
        assertEquals("JavaCalls::call_helper", CppNames.simplify(
                "_ZN9JavaCalls11call_helperEP9JavaValueRK12methodHandleP17JavaCallArgumentsP10JavaThread"));
        assertEquals("thread_native_entry", CppNames.simplify("_ZL19thread_native_entryP6Thread"));
        assertEquals("ClassFileParser::parse_stream",
                CppNames.simplify("_ZN15ClassFileParser12parse_streamEPK15ClassFileStreamP10JavaThread.part.0"));
        assertEquals("JfrDCmd::print_java_help", CppNames.simplify("_ZNK7JfrDCmd15print_java_helpEPKc"));
    }

    @Test
    void constructorsDestructorsTemplatesOperators() {
        assertEquals("Compilation::Compilation", CppNames.simplify(
                "_ZN11CompilationC1EP16AbstractCompilerP5ciEnvP8ciMethodiP10BufferBlobbP12DirectiveSet"));
        assertEquals("Foo::~Foo", CppNames.simplify("_ZN3FooD2Ev"));
        assertEquals("GrowableArray::push", CppNames.simplify("_ZN13GrowableArrayIP6MethodE4pushERKS1_"));
        assertEquals("std::vector::push_back", CppNames.simplify("_ZNSt6vectorIiSaIiEE9push_backERKi"));
        assertEquals("Foo::operator==", CppNames.simplify("_ZNK3FooeqERKS_"));
        assertEquals("AccessInternal::PostRuntimeDispatch::oop_access_barrier",
                CppNames.simplify("_ZN14AccessInternal19PostRuntimeDispatchIN1G4BarrierELi1EE18oop_access_barrierEPv"));
    }

    @Test
    void othersUnchanged() {
        assertEquals("getpid", CppNames.simplify("getpid"));
        assertEquals("std::terminate", CppNames.simplify("_ZSt9terminatev"));
        assertEquals("_ZNS0_3fooEv", CppNames.simplify("_ZNS0_3fooEv"), "substitutions are outside the subset");
        assertEquals("_Z", CppNames.simplify("_Z"));
        assertEquals("_ZN", CppNames.simplify("_ZN"));
    }
}
