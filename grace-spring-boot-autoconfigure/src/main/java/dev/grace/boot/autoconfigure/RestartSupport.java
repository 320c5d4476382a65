package dev.grace.boot.autoconfigure;

import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;

import org.springframework.context.ApplicationContext;
import org.springframework.util.ClassUtils;

import dev.grace.boot.internal.posix.NativePosix;

/**
 * Whether restarts can be active in this application, and if not, why: one sentence for
 * the one log line an application gets when they cannot.
 */
final class RestartSupport {

	static final String SUPPORTED = "graceful restart supports embedded Tomcat (Spring MVC or WebFlux) on Linux";

	private static final String WEB_SERVER_CONTEXT = "org.springframework.boot.web.server.context.WebServerApplicationContext";

	private static final String TOMCAT_FACTORY = "org.springframework.boot.tomcat.TomcatWebServerFactory";

	private RestartSupport() {
	}

	/**
	 * What keeps restarts from working on this machine.
	 * @return the reason, null when the platform supports them
	 */
	static @Nullable String platformProblem() {
		try {
			return NativePosix.unsupportedReason();
		}
		catch (LinkageError ex) {
			return "jnr-posix is not on the classpath (" + ex + ")";
		}
	}

	/**
	 * Finds {@link #platformProblem()} on a thread of its own. Loading jnr-posix takes
	 * 0.25 s (JDK 25 with an AOT cache) to 0.6 s of CPU, which the main thread would
	 * otherwise spend before the application starts; whatever needs the native calls
	 * first waits for this load rather than starting another.
	 * @param outcome told the reason, or null, on that thread
	 */
	static void checkPlatformInBackground(Consumer<@Nullable String> outcome) {
		Thread thread = new Thread(() -> outcome.accept(platformProblem()), "grace-native-posix");
		thread.setDaemon(true);
		thread.start();
	}

	/**
	 * What keeps restarts from working in this application, as far as can be told before
	 * its context is refreshed; the platform's problem is {@link #platformProblem()}.
	 * @param context the application context, not yet refreshed
	 * @return the reason, null when they may work
	 */
	static @Nullable String applicationProblem(ApplicationContext context) {
		ClassLoader loader = context.getClassLoader();
		if (!isInstance(WEB_SERVER_CONTEXT, context, loader)) {
			return "this application runs no embedded web server";
		}
		if (!hasTomcat(loader)) {
			return "its web server is " + webServer(loader) + ", not embedded Tomcat";
		}
		return null;
	}

	static boolean hasTomcat(@Nullable ClassLoader loader) {
		return ClassUtils.isPresent(TOMCAT_FACTORY, loader);
	}

	private static boolean isInstance(String type, Object object, @Nullable ClassLoader loader) {
		try {
			return ClassUtils.forName(type, loader).isInstance(object);
		}
		catch (ClassNotFoundException | LinkageError ex) {
			return false;
		}
	}

	private static String webServer(@Nullable ClassLoader loader) {
		if (ClassUtils.isPresent("reactor.netty.http.server.HttpServer", loader)) {
			return "Reactor Netty";
		}
		if (ClassUtils.isPresent("org.eclipse.jetty.server.Server", loader)) {
			return "Jetty";
		}
		return "not Tomcat";
	}

}
