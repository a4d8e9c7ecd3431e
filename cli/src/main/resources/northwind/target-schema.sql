-- The new system's schema for the Northwind demo: English singular table names, surrogate-free keys
-- kept from the legacy system, numeric money instead of real, and a ferry_version column on every
-- synced table (the source version of the row; Ferry never moves a row to a lower version).

CREATE TABLE customer (
    code            varchar(5)  PRIMARY KEY,
    company_name    varchar(40) NOT NULL,
    contact_first_name text,
    contact_last_name  text,
    contact_title   text,
    address         text,
    city            text,
    region          text,
    postal_code     text,
    country_code    char(2),
    phone           text,
    fax             text,
    ferry_version   bigint      NOT NULL
);

CREATE TABLE product (
    id                  integer       PRIMARY KEY,
    name                text          NOT NULL,
    supplier_id         integer,
    category_id         integer,
    quantity_per_unit   text,
    unit_price          numeric(12,2),
    units_in_stock      integer,
    units_on_order      integer,
    reorder_level       integer,
    discontinued        integer       NOT NULL,
    ferry_version       bigint        NOT NULL
);

CREATE TABLE sales_order (
    id                integer       PRIMARY KEY,
    customer_code     varchar(5),
    employee_id       integer,
    order_date        date,
    required_date     date,
    shipped_date      date,
    shipper_id        integer,
    freight           numeric(12,2),
    ship_name         text,
    ship_address      text,
    ship_city         text,
    ship_region       text,
    ship_postal_code  text,
    ship_country_code char(2),
    ferry_version     bigint        NOT NULL,
    FOREIGN KEY (customer_code) REFERENCES customer (code)
);

CREATE TABLE sales_order_line (
    order_id        integer        NOT NULL,
    product_id      integer        NOT NULL,
    unit_price      numeric(12,2)  NOT NULL,
    quantity        integer        NOT NULL,
    discount        numeric(4,2)   NOT NULL,
    ferry_version   bigint         NOT NULL,
    PRIMARY KEY (order_id, product_id),
    -- Ferry applies an order before its lines and deletes lines before their order, so the new system
    -- can keep its constraints while syncing; a row whose referenced row has not arrived yet waits
    -- (sink.parked-timeout) instead of failing.
    FOREIGN KEY (order_id) REFERENCES sales_order (id),
    FOREIGN KEY (product_id) REFERENCES product (id)
);
