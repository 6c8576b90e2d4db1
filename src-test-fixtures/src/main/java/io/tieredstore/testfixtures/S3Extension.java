package io.tieredstore.testfixtures;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that hands out {@link S3Fixture}s: declare a parameter of that type on a test,
 * {@code @BeforeEach} or {@code @BeforeAll} method.
 *
 * <p>A fixture is made per test method, or once per class if a {@code @BeforeAll} method asks for one first
 * (its tests then share it), and it is closed when that scope ends. The S3 endpoint behind every fixture is
 * {@link S3Endpoint#shared()}, started once per JVM.
 */
public final class S3Extension implements ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(S3Extension.class);

    /** Used by JUnit. */
    public S3Extension() {}

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == S3Fixture.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        // Stores close AutoCloseable values when their scope ends; lookups see a parent (class) fixture first.
        return context.getStore(NAMESPACE)
                .computeIfAbsent(S3Fixture.class, k -> new S3Fixture(S3Endpoint.shared()), S3Fixture.class);
    }
}
