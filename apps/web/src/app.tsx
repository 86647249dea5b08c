import { BrowserRouter, Link, Route, Routes } from 'react-router';
import { RequireUser, SessionProvider } from './auth/session.js';
import { Layout } from './components/layout.js';
import { PageHeading } from './components/ui.js';
import {
  AccountLayout,
  AccountOverviewPage,
  ApiKeysPage,
  DataPage,
  GlossariesPage,
  MemoryPage,
  SessionsPage,
} from './pages/account.pages.js';
import {
  AdminEnginesPage,
  AdminInvitesPage,
  AdminLayout,
  AdminQueuesPage,
  AdminUsersPage,
} from './pages/admin.pages.js';
import { HistoryPage } from './pages/history.page.js';
import {
  ForgotPasswordPage,
  ResetPasswordPage,
  SignInPage,
  SignUpPage,
  VerifyEmailPage,
} from './pages/identity.pages.js';
import { JobPage } from './pages/job.page.js';
import { UploadPage } from './pages/upload.page.js';

function NotFoundPage() {
  return (
    <section>
      <PageHeading title="Not found">Page not found</PageHeading>
      <p>
        Nothing lives at this address. <Link to="/">Go to the start page</Link>.
      </p>
    </section>
  );
}

export function App() {
  return (
    <BrowserRouter>
      <SessionProvider>
        <Routes>
          <Route element={<Layout />}>
            <Route path="/sign-in" element={<SignInPage />} />
            <Route path="/sign-up" element={<SignUpPage />} />
            <Route path="/invite" element={<SignUpPage />} />
            <Route path="/forgot-password" element={<ForgotPasswordPage />} />
            <Route path="/reset-password" element={<ResetPasswordPage />} />
            <Route path="/verify-email" element={<VerifyEmailPage />} />
            <Route
              index
              element={
                <RequireUser>
                  <UploadPage />
                </RequireUser>
              }
            />
            <Route
              path="/jobs"
              element={
                <RequireUser>
                  <HistoryPage />
                </RequireUser>
              }
            />
            <Route
              path="/jobs/:id"
              element={
                <RequireUser>
                  <JobPage />
                </RequireUser>
              }
            />
            <Route
              path="/account"
              element={
                <RequireUser>
                  <AccountLayout />
                </RequireUser>
              }
            >
              <Route index element={<AccountOverviewPage />} />
              <Route path="api-keys" element={<ApiKeysPage />} />
              <Route path="sessions" element={<SessionsPage />} />
              <Route path="glossaries" element={<GlossariesPage />} />
              <Route path="memory" element={<MemoryPage />} />
              <Route path="data" element={<DataPage />} />
            </Route>
            <Route
              path="/admin"
              element={
                <RequireUser admin>
                  <AdminLayout />
                </RequireUser>
              }
            >
              <Route index element={<AdminUsersPage />} />
              <Route path="invites" element={<AdminInvitesPage />} />
              <Route path="queues" element={<AdminQueuesPage />} />
              <Route path="engines" element={<AdminEnginesPage />} />
            </Route>
            <Route path="*" element={<NotFoundPage />} />
          </Route>
        </Routes>
      </SessionProvider>
    </BrowserRouter>
  );
}
