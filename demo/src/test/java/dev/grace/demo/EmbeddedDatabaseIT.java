package dev.grace.demo;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.grace.demo.support.DemoProcess;
import dev.grace.demo.support.GraceStatus;
import dev.grace.demo.support.Processes;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo on an H2 database in a file, as a user would set it up: Spring Boot's JDBC
 * starter and H2 on its class path (the test's, through {@code loader.path}; the demo jar
 * has no database), {@code spring.datasource.url=jdbc:h2:file:…} and a schema created at
 * startup. The application warns once at startup that a restart will fail; the restart
 * does fail, the new process cannot open the locked file, and the status says why.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class EmbeddedDatabaseIT {

	// Spring Boot's JDBC starter and what it brings, and H2
	private static final Pattern JDBC_LIBRARIES = Pattern.compile("(spring-boot-jdbc|spring-boot-sql|"
			+ "spring-boot-transaction|spring-boot-persistence|spring-jdbc|spring-tx|HikariCP|h2)-[0-9][^/]*\\.jar");

	@TempDir
	Path dir;

	@Test
	void anH2FileIsNamedAtStartupAndInTheFailedRestart() throws Exception {
		Path schema = Files.writeString(this.dir.resolve("schema.sql"),
				"create table if not exists visit (id int primary key);\n");
		String url = "jdbc:h2:file:" + this.dir.resolve("petclinic");
		try (DemoProcess demo = DemoProcess.startWithLibraries(jdbcLibraries(), "--spring.datasource.url=" + url,
				"--spring.sql.init.mode=always", "--spring.sql.init.schema-locations=file:" + schema)) {
			long pid = demo.awaitGeneration(1, DemoProcess.START_TIMEOUT).jsonLong("pid");
			String warning = "The DataSource is an embedded H2 database in a file that one process at a time can "
					+ "open (" + url + "): a restart will fail, because the new process cannot open it while this "
					+ "one runs. Use a database server";
			assertThat(demo.log()).containsOnlyOnce(warning);
			assertThat(demo.log().lines().filter((line) -> line.contains(warning))).singleElement()
				.asString()
				.contains("WARN");

			Processes.signal(pid, Processes.SIGUSR2);
			GraceStatus failed = GraceStatus.await(demo.managementPort(), (s) -> "FAILED".equals(s.outcome()),
					DemoProcess.HANDOVER_TIMEOUT);

			assertThat(failed.reason()).contains("exited before it was ready (exit code 1); see its log above. "
					+ "This process holds the embedded H2 database " + url + " open, which one process at a time "
					+ "can: the new process probably could not open it. Use a database server");
			// H2's own words, in the new process's log
			assertThat(demo.log()).contains("Database may be already in use");
			assertThat(failed.state()).isEqualTo("SERVING");
			assertThat(demo.awaitGeneration(1, DemoProcess.START_TIMEOUT).jsonLong("pid")).isEqualTo(pid);
			assertThat(demo.livePids()).containsExactly(pid);
			System.out.println("EmbeddedDatabaseIT: " + failed.reason());
		}
	}

	private static List<Path> jdbcLibraries() {
		String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
		List<Path> jars = Arrays.stream(classPath.split(File.pathSeparator))
			.map(Path::of)
			.filter((jar) -> JDBC_LIBRARIES.matcher(jar.getFileName().toString()).matches())
			.toList();
		assertThat(jars).as("JDBC libraries on " + classPath).hasSize(8);
		return jars;
	}

}
