/**
 * Auto-configuration of graceful restarts and its {@code grace.*} properties.
 */
@NullMarked
package dev.grace.boot.autoconfigure;

import org.jspecify.annotations.NullMarked;
