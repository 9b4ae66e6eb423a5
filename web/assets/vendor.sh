#!/usr/bin/env bash
# Rebuild web/static/vendor from the npm packages pinned in package-lock.json:
# the ECharts parts the dashboard uses, bundled by esbuild, with each licence beside it.
# The output is committed, so running Muqing needs no Node.js; only changing the bundle does.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
npm ci --no-audit --no-fund
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
