# edit/: the browser editor (issue 12), served at /edit/ (net/http_site.c).
#
# Its npm packages (edit/package-lock.json) are installed by `npm ci` into
# $(B)/edit, never the source tree; edit/build.mjs bundles edit/src/ with
# esbuild into $(B)/edit/stage/edit/ with a .gz beside each file (sent to
# clients that take gzip) and licenses.txt. store/module.mk puts the
# stage into the seed store's refs/appliance/editor (storectl editor): every
# image carries the editor, and a push cannot change it.
#
#   make edit    the bundle alone
EDIT_OUT := $(B)/edit
EDIT_STAGE := $(EDIT_OUT)/stage
EDIT_BUILT := $(EDIT_STAGE)/.built
EDIT_NPM := $(addprefix edit/,package.json package-lock.json .npmrc)

$(EDIT_OUT)/.installed: $(EDIT_NPM) | $(SETUP)
	@echo "npm: ci $(@D)"
	@mkdir -p $(@D) && rm -rf $(@D)/node_modules && cp $^ $(@D)/ && \
		npm ci --prefix $(@D) --loglevel=error >/dev/null && touch $@

$(EDIT_BUILT): $(EDIT_OUT)/.installed edit/build.mjs $(shell find edit/src -type f 2>/dev/null)
	@echo "edit: bundle into $(EDIT_STAGE)/edit"
	@rm -rf $(EDIT_STAGE) && mkdir -p $(EDIT_STAGE)/edit
	@node edit/build.mjs $(EDIT_STAGE)/edit $(EDIT_OUT)/node_modules
	@touch $@

.PHONY: edit
edit: $(EDIT_BUILT)

# ---- tests ----
# The editor in Debian's chromium, driven by playwright-core (its lock file
# tests/browser/package-lock.json, installed under $(B)/browser without a
# browser of its own), against the host twin: tests/host/editor.sh.
BROWSER_OUT := $(B)/browser
BROWSER_NPM := $(addprefix tests/browser/,package.json package-lock.json .npmrc)
$(BROWSER_OUT)/.installed: $(BROWSER_NPM) | $(SETUP)
	@echo "npm: ci $(@D)"
	@mkdir -p $(@D) && rm -rf $(@D)/node_modules && cp $^ $(@D)/ && \
		PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix $(@D) --loglevel=error >/dev/null && \
		touch $@
TEST_DEPS += $(BROWSER_OUT)/.installed $(EDIT_BUILT) $(HOST_OUT)/appliance-san $(STORECTL)
TEST_SUITES += "tests/host/editor.sh $(HOST_OUT)/appliance-san $(STORECTL) $(BROWSER_OUT)/node_modules $(EDIT_STAGE)/edit"
