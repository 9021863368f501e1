@conformance @epic:conformance @feature:order-updates
@allure.label.epic:conformance @allure.label.feature:order-updates
Feature: Any broker reports an order's life as it happens
  The conformance profile: an order goes from accepted to resting to canceled, and the broker says so in
  its order updates. Brokers add updates of their own (pending_new, pending_cancel), so the updates are
  checked in order, with others allowed between them.

  @allure.label.story:lifecycle @allure.severity:critical
  Scenario: A resting order's updates show it reach the venue and be canceled
    When I buy 1 share with a limit far below the market
    And I cancel the order
    Then the order's updates include, in this order:
      | event    |
      | new      |
      | canceled |

  @allure.label.story:lifecycle
  Scenario: A resting order is open until it is canceled
    When I buy 1 share with a limit far below the market
    Then the order is still open
    When I cancel the order
    Then the order is canceled
    And my open orders do not include the order

  @allure.label.story:lifecycle
  Scenario: A replaced order's replacement reaches the venue
    When I buy 1 share with a limit far below the market
    And I raise the limit by 10%
    Then the order's updates include, in this order:
      | event |
      | new   |
    And the original order is replaced

  @allure.label.story:lifecycle
  @needs:fills
  Scenario: A market order's updates show it reach the venue and fill
    When I buy 1 share at market
    And I sell 1 share at market
    Then the order is filled
    And the order's updates include, in this order:
      | event |
      | fill  |
