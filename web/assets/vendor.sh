#!/usr/bin/env bash
# Rebuild web/static/vendor from the npm packages pinned in package-lock.json:
# the ECharts parts the dashboard uses, bundled by esbuild, and the Swagger UI and ReDoc builds that
# /api/docs and /api/redoc serve (so the API docs work offline), each with its licence beside it.
# The output is committed, so running Muqing needs no Node.js; only changing the bundle does.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
# No install scripts: none is needed, and one dependency of swagger-ui-dist would report the install.
SCARF_ANALYTICS=false npm ci --no-audit --no-fund --ignore-scripts
out=../static/vendor/echarts
mkdir -p "$out"
npm run build
cp node_modules/echarts/LICENSE "$out/LICENSE"
cp node_modules/echarts/NOTICE "$out/NOTICE"
cp node_modules/echarts/licenses/LICENSE-d3 "$out/LICENSE-d3"
cp node_modules/zrender/LICENSE "$out/LICENSE-zrender"
cp node_modules/tslib/LICENSE.txt "$out/LICENSE-tslib"
version=$(node -p 'require("./node_modules/echarts/package.json").version')
printf 'Apache ECharts %s (bar, line, grid, tooltip, legend, aria; SVG renderer), bundled by esbuild from charts.entry.js.\n' \
    "$version" >"$out/VERSION"
sha256sum "$out/echarts.min.js" | cut -d' ' -f1 >>"$out/VERSION"

docs=../static/vendor/swagger-ui
mkdir -p "$docs"
cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css "$docs/"
cp node_modules/swagger-ui-dist/LICENSE "$docs/LICENSE"
cp node_modules/swagger-ui-dist/NOTICE "$docs/NOTICE"
printf 'swagger-ui-dist %s\n' "$(node -p 'require("./node_modules/swagger-ui-dist/package.json").version')" >"$docs/VERSION"
(cd "$docs" && sha256sum swagger-ui-bundle.js swagger-ui.css) >>"$docs/VERSION"

redoc=../static/vendor/redoc
mkdir -p "$redoc"
cp node_modules/redoc/bundles/redoc.standalone.js "$redoc/"
# The sidebar's "API docs by Redocly" logo is an image on cdn.redoc.ly, which the page's content security
# policy refuses (a console error on every visit). An empty data: URL fails to load without asking any
# host, and the logo component's own onError then leaves the image out. A new build that still (or
# otherwise) names that host stops the script here, to be looked at.
sed -i 's#"https://cdn\.redoc\.ly/redoc/logo-mini\.svg"#"data:,"#' "$redoc/redoc.standalone.js"
if grep -q 'cdn\.redoc\.ly' "$redoc/redoc.standalone.js"; then
    echo "redoc.standalone.js still loads something from cdn.redoc.ly" >&2
    exit 1
fi
cp node_modules/redoc/LICENSE "$redoc/LICENSE"
cp node_modules/redoc/bundles/redoc.standalone.js.LICENSE.txt "$redoc/LICENSE-bundled.txt"
printf 'redoc %s (bundles/redoc.standalone.js, the sidebar logo a data: URL)\n' "$(node -p 'require("./node_modules/redoc/package.json").version')" >"$redoc/VERSION"
(cd "$redoc" && sha256sum redoc.standalone.js) >>"$redoc/VERSION"
