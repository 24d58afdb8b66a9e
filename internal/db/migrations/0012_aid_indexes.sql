-- Indexes found by BenchmarkAid over 100k applications.

-- The application list, newest activity first: its first page no longer
-- sorts every row in scope.
CREATE INDEX aid_applications_recent ON aid_applications (updated_at, id);

-- The statistics of one year: counts and amounts by unit, programme and
-- status read from the index alone.
CREATE INDEX aid_applications_year ON aid_applications (year, org_path, programme_id, status, amount);
