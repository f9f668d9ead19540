# unsandbox-ls start-up hook for R, read before the script as R_PROFILE (at /tmp/input) or
# R_PROFILE_USER (in the working directory), whichever R finds first.
# See sitecustomize.py (the Python hook) for what it does; R has no exec, so the script runs again
# in a child Rscript (cwd its folder in the tree, its arguments, stdin the given file or
# end-of-file) and this one quits with its status before the script starts.
local({
  text <- Sys.getenv("UNSANDBOX_LS_BOOT")
  if (!nzchar(text)) return(invisible())
  t <- strsplit(text, " ", fixed = TRUE)[[1]]
  if (t[1] != "1") return(invisible())
  nonce <- t[2]
  report <- "hook r"
  frame <- function(lines) {
    lines <- substr(gsub("\n", " ", lines[seq_len(min(length(lines), 12))]), 1, 300)
    cat("--- unsandbox-ls boot ", nonce, " ---\n", paste(lines, collapse = "\n"),
        "\n--- unsandbox-ls end ", nonce, " ---\n", sep = "", file = stderr())
  }
  word <- function(w) {
    if (w == "~") return(NA_character_)
    if (w == "-") return("")
    n <- nchar(w)
    rawToChar(as.raw(strtoi(substring(w, seq(1, n, 2), seq(2, n, 2)), 16L)))
  }
  result <- tryCatch({
    code <- word(t[3]); stdin <- word(t[4])
    at <- 5; n <- as.integer(t[at])
    args <- vapply(t[seq_len(n) + at], word, "")
    at <- at + 1 + n; n <- as.integer(t[at])
    wires <- vapply(t[at + 1 + 2 * seq_len(n) - 2], word, "")
    locals <- vapply(t[at + 2 + 2 * seq_len(n) - 2], word, "")
    at <- at + 1 + 2 * n; n <- as.integer(t[at])
    names <- vapply(t[at + 1 + 2 * seq_len(n) - 2], word, "")
    values <- vapply(t[at + 2 + 2 * seq_len(n) - 2], word, "")
    all <- commandArgs(FALSE)
    file_arg <- grep("^--file=", all, value = TRUE)
    if (length(file_arg) != 1) stop("skipped no script file")
    script <- normalizePath(sub("^--file=", "", file_arg), mustWork = TRUE)
    cwd <- getwd()
    found <- NA_character_
    for (d in c("/tmp/input", cwd, "/root/input", "/tmp", dirname(script))) {
      if (all(file.exists(file.path(d, wires)))) { found <- d; break }
    }
    report <- c(report, paste("input", found), paste("code", script), paste("cwd", cwd))
    if (is.na(found)) stop("skipped the input files were not found")
    tree <- found
    if (file.access(found, 2) != 0) { tree <- tempfile("unsandbox-ls-"); dir.create(tree) }
    place <- function(source, target) {
      if (file.exists(target)) {
        if (normalizePath(source) == normalizePath(target)) return(invisible())
        file.remove(target)
      }
      dir.create(dirname(target), recursive = TRUE, showWarnings = FALSE)
      if (!suppressWarnings(file.link(source, target))) file.copy(source, target)
    }
    for (i in seq_along(wires)) {
      if (nzchar(locals[i]) && (tree != found || wires[i] != locals[i])) place(file.path(found, wires[i]), file.path(tree, locals[i]))
    }
    place(script, file.path(tree, code))
    # the folder holds what the local one does: no flat names, no hook
    if (tree == found) for (i in seq_along(wires)) if (wires[i] != locals[i]) unlink(file.path(found, wires[i]))
    if (tree != "/tmp/input" && !file.exists("/tmp/input")) suppressWarnings(file.symlink(tree, "/tmp/input"))
    for (i in seq_along(names)) {
      if (is.na(values[i])) Sys.unsetenv(names[i]) else { value <- list(values[i]); names(value) <- names[i]; do.call(Sys.setenv, value) }
    }
    Sys.unsetenv("UNSANDBOX_LS_BOOT")
    input <- if (is.na(stdin)) "/dev/null" else file.path(tree, stdin)
    report <- c(report, paste("tree", tree), paste("exec", file.path(tree, code)))
    frame(report)
    report <- character()
    setwd(tree)
    status <- system2(file.path(R.home("bin"), "Rscript"), shQuote(c(code, args)), stdin = input)
    quit(save = "no", status = status, runLast = FALSE)
  }, error = function(e) {
    frame(c(report, if (startsWith(conditionMessage(e), "skipped")) conditionMessage(e)
      else paste("error", conditionMessage(e))))
  })
  invisible()
})
