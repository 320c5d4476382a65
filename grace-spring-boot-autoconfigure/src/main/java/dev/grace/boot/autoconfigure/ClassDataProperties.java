package dev.grace.boot.autoconfigure;

import java.nio.file.Path;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Class data given to restarted processes: a cache of the classes this build loads while
 * it starts, trained by a side run once the process serves.
 *
 * @param enabled Whether restarted processes get this build's class-data cache (the AOT
 * cache on JDK 25 and later, a dynamic CDS archive before), trained by a side run of the
 * same command at the lowest CPU priority. Nothing is done when the command sets
 * class-data options itself.
 * @param directory Directory of the caches, one per build (java runtime, JVM options,
 * class-path jars with their sizes and times). By default grace-class-data-USER under
 * java.io.tmpdir. It must belong to the user and be writable by nobody else.
 * @param maxEntries How many builds' caches the directory keeps; the ones used longest
 * ago are removed.
 * @param extract Whether restarted processes of a Spring Boot fat jar run Boot's
 * extracted layout of it (java -Djarmode=tools -jar app.jar extract), made once per jar in
 * the directory: the JVM caches no class of a fat jar's nested jars. Every restart still
 * reads the deployed jar, and runs it as it is until its layout is made.
 * @since 0.1.0
 */
@ConfigurationProperties("grace.class-data")
public record ClassDataProperties(@DefaultValue("true") boolean enabled, @Nullable Path directory,
		@DefaultValue("4") int maxEntries, @DefaultValue("true") boolean extract) {

	public ClassDataProperties {
		if (directory != null && !directory.isAbsolute()) {
			throw new IllegalArgumentException(
					"grace.class-data.directory must be an absolute path, but was " + directory);
		}
		if (maxEntries < 1) {
			throw new IllegalArgumentException("grace.class-data.max-entries must be at least 1, but was " + maxEntries);
		}
	}

}
