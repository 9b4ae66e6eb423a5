// Starts Swagger UI on /api/docs from the settings block in the page (no inline script is needed).
//
// Since 5.33 Swagger UI "virtualises" the operation list once tags and operations together reach 150:
// only the rows near the viewport are in the page, so the browser's find-in-page cannot reach an
// operation further down, and a page that is not scrolled lists a few operations and then the schemas.
// Our API is well past that count and a few hundred rows render quickly, so the plugin below puts back
// the full list Swagger UI draws for smaller documents (the same tag and operation components).
//
// The Schemas section is windowed the same way from 100 schemas (OAS31Models, which draws the schemas
// of an OpenAPI 3.1 document): it shows a short scrolling box holding the few schemas near its top, and
// find-in-page misses the rest. The plugin also puts back its full list, with the same section, toggle
// and schema components. Each schema's element carries its name in data-schema-name.
(function () {
  "use strict";
  var settingsEl = document.getElementById("swagger-ui-settings");
  if (!settingsEl || !window.SwaggerUIBundle) return;
  var settings = JSON.parse(settingsEl.textContent);

  function FullOperationList(system) {
    var h = system.React.createElement;

    function Operations(props) {
      var specSelectors = props.specSelectors;
      var getComponent = props.getComponent;
      var tagged = specSelectors.taggedOperations();
      if (tagged.size === 0) return h("h3", null, " No operations defined in spec!");
      var methods = specSelectors.validOperationMethods();
      var OperationTag = getComponent("OperationTag");
      var OperationContainer = getComponent("OperationContainer", true);
      return h(
        "div",
        null,
        tagged
          .map(function (tagObj, tag) {
            var operations = tagObj
              .get("operations")
              .map(function (op) {
                var path = op.get("path");
                var method = op.get("method");
                if (methods.indexOf(method) === -1) return null;
                return h(OperationContainer, {
                  key: path + "-" + method,
                  specPath: op.get("specPath"),
                  op: op,
                  path: path,
                  method: method,
                  tag: tag,
                });
              })
              .toArray();
            return h(
              OperationTag,
              {
                key: "operation-" + tag,
                tagObj: tagObj,
                tag: tag,
                oas3Selectors: props.oas3Selectors,
                layoutSelectors: props.layoutSelectors,
                layoutActions: props.layoutActions,
                getConfigs: props.getConfigs,
                getComponent: getComponent,
                specUrl: specSelectors.url(),
              },
              h("div", { className: "operation-tag-content" }, operations)
            );
          })
          .valueSeq()
          .toArray()
      );
    }

    return { components: { operations: Operations, OAS31Models: fullSchemaList(system) } };
  }

  var SCHEMAS = ["components", "schemas"];

  function fullSchemaList(system) {
    var React = system.React;
    var h = React.createElement;

    function SchemaItem(props) {
      var layoutActions = props.layoutActions;
      var specActions = props.specActions;
      var specSelectors = props.specSelectors;
      var name = props.schemaName;
      var JSONSchema = props.getComponent("JSONSchema202012");
      var onExpand = React.useCallback(
        function (event, expanded) {
          var path = SCHEMAS.concat([name]);
          if (expanded && specSelectors.specResolvedSubtree(path) == null) specActions.requestResolvedSubtree(path);
          layoutActions.show(path, expanded);
        },
        [name, specSelectors, specActions, layoutActions]
      );
      var ref = React.useCallback(
        function (node) {
          if (node === null) return;
          node.setAttribute("data-schema-name", name);
          layoutActions.readyToScroll(SCHEMAS.concat([name]), node);
        },
        [name, layoutActions]
      );
      return JSONSchema ? h(JSONSchema, { ref: ref, schema: props.schema, name: props.name, onExpand: onExpand }) : null;
    }

    return function Schemas(props) {
      var specSelectors = props.specSelectors;
      var specActions = props.specActions;
      var layoutSelectors = props.layoutSelectors;
      var layoutActions = props.layoutActions;
      var getComponent = props.getComponent;
      var configs = props.getConfigs();
      var depth = configs.defaultModelsExpandDepth;
      var isOpen = layoutSelectors.isShown(SCHEMAS, depth > 0 && configs.docExpansion !== "none");
      var getTitle = props.fn.jsonSchema202012.useFn().getTitle;
      var schemas = specSelectors.selectSchemas();
      var entries = React.useMemo(
        function () {
          return Object.entries(schemas);
        },
        [schemas]
      );
      React.useEffect(
        function () {
          var anyShown = entries.some(function (entry) {
            return layoutSelectors.isShown(SCHEMAS.concat([entry[0]]), false);
          });
          if (isOpen && (depth > 1 || anyShown) && specSelectors.specResolvedSubtree(SCHEMAS) == null) {
            specActions.requestResolvedSubtree(SCHEMAS);
          }
        },
        [isOpen, depth]
      );
      if (!entries.length || depth < 0) return null;
      var Collapse = getComponent("Collapse");
      var Arrow = getComponent(isOpen ? "ArrowUpIcon" : "ArrowDownIcon");
      var toggle = function () {
        layoutActions.show(SCHEMAS, !isOpen);
      };
      var sectionRef = function (node) {
        if (node !== null) layoutActions.readyToScroll(SCHEMAS, node);
      };
      return h(
        "section",
        { className: isOpen ? "models is-open" : "models", ref: sectionRef },
        h(
          "h4",
          null,
          h(
            "button",
            { "aria-expanded": isOpen, className: "models-control", onClick: toggle },
            h("span", null, "Schemas"),
            h(Arrow, null)
          )
        ),
        h(
          Collapse,
          { isOpened: isOpen },
          entries.map(function (entry) {
            return h(SchemaItem, {
              key: entry[0],
              schemaName: entry[0],
              schema: entry[1],
              name: getTitle(entry[1], { lookup: "basic" }) || entry[0],
              specSelectors: specSelectors,
              specActions: specActions,
              layoutActions: layoutActions,
              getComponent: getComponent,
            });
          })
        )
      );
    };
  }

  settings.oauth2RedirectUrl = window.location.origin + settings.oauth2RedirectUrl;
  settings.presets = [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset];
  settings.plugins = [FullOperationList];
  window.ui = SwaggerUIBundle(settings);
})();
