// Starts Swagger UI on /api/docs from the settings block in the page (no inline script is needed).
//
// Since 5.33 Swagger UI "virtualises" the operation list once tags and operations together reach 150:
// only the rows near the viewport are in the page, so the browser's find-in-page cannot reach an
// operation further down, and a page that is not scrolled lists a few operations and then the schemas.
// Our API is well past that count and a few hundred rows render quickly, so the plugin below puts back
// the full list Swagger UI draws for smaller documents (the same tag and operation components).
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

    return { components: { operations: Operations } };
  }

  settings.oauth2RedirectUrl = window.location.origin + settings.oauth2RedirectUrl;
  settings.presets = [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset];
  settings.plugins = [FullOperationList];
  window.ui = SwaggerUIBundle(settings);
})();
