import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import { signInUrl, setCsrfToken } from './api/client';
import { ErrorNotice, Loading } from './components/page-state';
import { Router } from './router';
import { abilitiesOf, readSession, SessionContext, type ConsoleSession } from './session';
import './styles.css';

/** Reads the session first: nobody signed in goes to the sign-in page and comes back here. */
function Root() {
  const [session, setSession] = useState<ConsoleSession | 'loading' | Error>('loading');
  useEffect(() => {
    readSession().then(
      (s) => {
        if (s === undefined) window.location.assign(signInUrl());
        else {
          setCsrfToken(s.csrf_token);
          setSession(s);
        }
      },
      (error: unknown) => setSession(error instanceof Error ? error : new Error(String(error))),
    );
  }, []);
  if (session === 'loading') return <main className="centered"><Loading what="your session" /></main>;
  if (session instanceof Error) return <main className="centered"><ErrorNotice message={session.message} retry={() => window.location.reload()} /></main>;
  return (
    <SessionContext.Provider value={{ session, can: abilitiesOf(session.roles) }}>
      <Router>
        <App />
      </Router>
    </SessionContext.Provider>
  );
}

const root = document.getElementById('root');
if (root !== null) createRoot(root).render(<StrictMode><Root /></StrictMode>);
