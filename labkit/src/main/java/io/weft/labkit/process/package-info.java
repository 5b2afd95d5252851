/** The lab's one process runner: commands run to their end within a time limit, or kept running as services. */
package io.weft.labkit.process;
