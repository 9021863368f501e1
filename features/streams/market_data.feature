@epic:streams @feature:market-data-stream
@allure.label.epic:streams @allure.label.feature:market-data-stream
@needs:control @needs:streams
Feature: My client watches quotes, trades, bars and halts as the market moves
  The market-data stream publishes what a symbol's subscribers asked for: a quote when the top of the book
  changes, every print on the tape, each one-minute bar when it closes, and halts and resumptions. It refuses
  bad credentials, too many symbols and too many connections, drops slow clients, and can be made to drop.

  @allure.label.story:subscriptions @allure.severity:critical
  @needs:clock
  Scenario: Quotes, trades and bars flow as time passes
    When I watch ACME quotes, trades and bars
    And 2 minutes pass
    Then my client receives at least 10 ACME quotes
    And my client receives at least 5 ACME trades
    And my client receives at least 1 ACME bars
    And every ACME quote my client receives has the bid below the ask

  @allure.label.story:halts
  Scenario: A halt and its resumption arrive as trading status
    When I watch ACME trading status
    And trading in ACME is halted
    And trading in ACME resumes
    Then my client sees trading in ACME halt
    And my client sees trading in ACME resume

  @allure.label.story:drops @allure.severity:critical
  @needs:clock @needs:faults
  Scenario: The stream drops after 20 quotes, and the client reconnects
    Given the market data stream drops after 20 quotes
    When I watch ACME quotes
    And 1 minute passes
    Then my client receives exactly 20 quotes and then loses the market data connection
    When 30 seconds pass
    Then my client reconnects and receives quotes again

  @allure.label.story:slow-clients
  @needs:clock @needs:faults
  Scenario: A client that cannot keep up is dropped as a slow client
    Given the market data stream finds my client too slow after 10 quotes
    When I watch ACME quotes
    And 1 minute passes
    Then my client is dropped as a slow client

  @allure.label.story:refusals
  @needs:faults
  Scenario: Bad credentials are refused
    Given the market data stream refuses my credentials
    When I watch ACME quotes
    Then the stream is refused because of bad credentials

  @allure.label.story:refusals
  Scenario: Too many symbols on one connection are refused
    Given a market data connection may follow at most 2 symbols
    When I watch the quotes of 3 symbols
    Then the stream is refused because of the symbol limit

  @allure.label.story:refusals
  Scenario: Too many connections for one account are refused
    Given an account may open at most 1 market data connection
    When I watch ACME quotes
    And I watch ACME trades
    Then the stream is refused because of the connection limit
