package dev.grace.boot.internal.supervisor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;

import jnr.posix.POSIX;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.grace.boot.internal.posix.ChildCommand;
import dev.grace.boot.internal.posix.NativePosix;
import dev.grace.boot.internal.posix.ProcNet;

/**
 * Turns the application's first JVM into the {@link Supervisor}, in place: {@code execve}
 * keeps the pid (PID 1 stays PID 1), and the new image is a small JVM that starts the
 * application again as its child. Done before the application context exists, so
 * nothing of the application has started yet.
 */
public final class SupervisorLauncher {

	private static final Log logger = LogFactory.getLog(SupervisorLauncher.class);

	/**
	 * Enough for the supervisor: no Spring, a few threads, one socket, almost no work. The
	 * interpreter alone cuts its resident size (measured: 51 MiB instead of 71 MiB with C1
	 * on JDK 17); no perf data file, so that a read-only {@code /tmp} is fine.
	 */
	static final List<String> JVM_OPTIONS = List.of("-Xmx16m", "-Xss256k", "-XX:+UseSerialGC", "-Xint",
			"-XX:-UsePerfData", "-XX:MaxMetaspaceSize=64m");

	private static final String BOOT_LAUNCHER_PACKAGE = "org.springframework.boot.loader.launch.";

	private SupervisorLauncher() {
	}

	/**
	 * Whether this process should become the supervisor.
	 * @param always {@code grace.supervisor=on}
	 * @param never {@code grace.supervisor=off}
	 * @param env the environment
	 * @return true for PID 1 (or when asked), unless a supervisor already runs it
	 */
	public static boolean isWanted(boolean always, boolean never, Map<String, String> env) {
		if (never || SupervisorChannel.isSupervised(env)) {
			return false;
		}
		return always || ProcessHandle.current().pid() == 1;
	}

	/**
	 * Replaces this process with the supervisor. Returns only when that fails, after
	 * logging why: the application then starts as it would have.
	 * @param env the environment
	 */
	public static void replaceThisProcess(Map<String, String> env) {
		ChildCommand application = ChildCommand.ofCurrentProcess(env);
		List<String> argv = new ArrayList<>();
		argv.add(application.argv().get(0));
		argv.addAll(JVM_OPTIONS);
		argv.addAll(ChildCommand.nativeAccessOptions(Runtime.version().feature()));
		argv.addAll(mainOf(System.getProperty("java.class.path", "")));
		argv.addAll(application.argv());
		List<String> envp = new ArrayList<>();
		application.env().forEach((key, value) -> envp.add(key + "=" + value));
		logger.info("Pid " + ProcessHandle.current().pid() + " becomes the grace supervisor; the application "
				+ "starts again as its child");
		POSIX posix = NativePosix.get();
		for (int fd : ProcNet.openFds()) {
			if (fd > 2) {
				NativePosix.closeOnExec(fd);
			}
		}
		posix.execve(argv.get(0), argv.toArray(String[]::new), envp.toArray(String[]::new));
		logger.warn("Could not become the grace supervisor (execve " + argv.get(0) + ": errno " + posix.errno()
				+ "); starting without one: a restart ends this container");
	}

	// A Spring Boot jar keeps its libraries inside: its own launcher finds them
	static List<String> mainOf(String classPath) {
		if (!classPath.contains(java.io.File.pathSeparator) && classPath.endsWith(".jar")
				&& mainClass(Path.of(classPath)).startsWith(BOOT_LAUNCHER_PACKAGE)) {
			return List.of("-Dloader.main=" + Supervisor.class.getName(), "-cp", classPath,
					BOOT_LAUNCHER_PACKAGE + "PropertiesLauncher");
		}
		return List.of("-cp", classPath, Supervisor.class.getName());
	}

	private static String mainClass(Path jar) {
		try (InputStream in = Files.newInputStream(jar); JarInputStream jarIn = new JarInputStream(in)) {
			Manifest manifest = jarIn.getManifest();
			String main = (manifest != null) ? manifest.getMainAttributes().getValue("Main-Class") : null;
			return (main != null) ? main : "";
		}
		catch (IOException ex) {
			return "";
		}
	}

}
